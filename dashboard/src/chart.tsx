// The time series: visitors and conversions per row of group=day, drawn by uPlot (bundled, ~20 KB
// gzipped, canvas: a year of days draws in a few milliseconds). Provisional days are shaded.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Stats } from "./api";
import { count, shortDay } from "./format";

const DAY = 86_400;
/** Both scales start at zero: a line that fills the chart must not make a 10% change look like a tenfold one. */
const niceMax = (max: number | null) => (max && max > 0 ? max * 1.1 : 1);
const ts = (day: string) => Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / 1000;

export function Chart({ answer }: { answer: Stats }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const rows = answer.rows.filter((r) => r.day);
    const x = rows.map((r) => ts(r.day!));
    const provisional = new Set(answer.privacy.provisional_days);
    const shade = rows.filter((r) => provisional.has(r.day!)).map((r) => ts(r.day!));
    const width = () => Math.max(280, el.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 240,
        tzDate: (t) => uPlot.tzDate(new Date(t * 1000), "Etc/UTC"),
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, niceMax(max)] }, c: { range: (_u, _min, max) => [0, niceMax(max)] } },
        axes: [
          { stroke: "#475569", grid: { stroke: "#e2e8f0" } },
          { stroke: "#1d4ed8", grid: { stroke: "#e2e8f0" }, size: 56 },
          { scale: "c", side: 1, stroke: "#b45309", grid: { show: false }, size: 48 },
        ],
        series: [
          { label: "Day", value: (_u, v) => (v === null ? "" : shortDay(new Date(v * 1000).toISOString().slice(0, 10))) },
          { label: "Visitors", stroke: "#1d4ed8", width: 2, fill: "rgba(29,78,216,0.08)", value: (_u, v) => count(v) },
          { label: "Conversions", scale: "c", stroke: "#b45309", width: 2, value: (_u, v) => count(v) },
        ],
        hooks: {
          drawClear: [
            (u) => {
              if (!shade.length) return;
              const { ctx } = u;
              ctx.save();
              ctx.fillStyle = "rgba(100,116,139,0.13)";
              for (const t of shade) {
                const a = u.valToPos(t - DAY / 2, "x", true);
                const b = u.valToPos(t + DAY / 2, "x", true);
                ctx.fillRect(a, u.bbox.top, b - a, u.bbox.height);
              }
              ctx.restore();
            },
          ],
        },
      },
      [x, rows.map((r) => r.visitors), rows.map((r) => r.conversions)],
      el,
    );
    const onResize = () => plot.setSize({ width: width(), height: 240 });
    window.addEventListener("resize", onResize);
    return () => {
      window.removeEventListener("resize", onResize);
      plot.destroy();
    };
  }, [answer]);
  return <div ref={box} class="chart" role="img" aria-label={`Visitors and conversions per day, ${answer.from} to ${answer.to}`} data-testid="chart" />;
}
