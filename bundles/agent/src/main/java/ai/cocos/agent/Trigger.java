package ai.cocos.agent;

/**
 * What moves a computation from one {@link State} to the next: CocosAI's state-machine events,
 * called triggers here to keep them apart from the {@link AgentEvent} records the agent emits.
 *
 * <pre>
 * Idle               --Start-------------&gt; ReceivingManifest
 * ReceivingManifest  --ManifestReceived--&gt; ReceivingAlgorithm
 * ReceivingAlgorithm --AlgorithmReceived-&gt; ReceivingData   (manifest declares datasets)
 * ReceivingAlgorithm --AlgorithmReceived-&gt; Running         (manifest declares none)
 * ReceivingData      --DataReceived------&gt; Running
 * Running            --RunComplete-------&gt; ConsumingResults
 * ConsumingResults   --ResultsConsumed---&gt; Complete
 * ReceivingAlgorithm, ReceivingData, Running --RunFailed--&gt; Failed
 * </pre>
 */
public enum Trigger {
  /** The agent is ready for a manifest. */
  Start,
  /** The manifest was accepted. */
  ManifestReceived,
  /** The algorithm was accepted. */
  AlgorithmReceived,
  /** The last dataset was accepted. */
  DataReceived,
  /** The run succeeded and its results are packed. */
  RunComplete,
  /** A consumer fetched the results for the first time. */
  ResultsConsumed,
  /** The run, or getting to it, failed. */
  RunFailed
}
