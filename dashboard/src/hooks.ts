import { useEffect, useState } from "preact/hooks";

export interface Async<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
}

/** Runs `fn` whenever `deps` change; a late answer to an older query never overwrites a newer one. */
export function useAsync<T>(fn: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<Async<T>>({ data: null, error: null, loading: true });
  useEffect(() => {
    let live = true;
    setState((s) => ({ data: s.data, error: null, loading: true }));
    fn().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: Error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, deps);
  return state;
}
