// Types of scripts/lib/deploy-config.mjs, for the tests that run it inside workerd.
export declare const FREE_ROLLUP_QUERIES: number;
export declare const FREE_CRON: string;
export declare function freeConfig(toml: string): string;
export declare function queueNames(toml: string): string[];
