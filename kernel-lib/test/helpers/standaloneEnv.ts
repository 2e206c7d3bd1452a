/** The environment a test gives a `kitelab` process: its own home, no examples, DAGs unpaused, a fast heartbeat. */
export function standaloneEnv(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KITELAB_HOME: home,
    KITELAB__CORE__LOAD_EXAMPLES: "False",
    KITELAB__CORE__DAGS_ARE_PAUSED_AT_CREATION: "False",
    KITELAB__SCHEDULER__SCHEDULER_HEARTBEAT_SEC: "1",
    KITELAB__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD: "3",
  };
}
