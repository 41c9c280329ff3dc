package ai.cocos.agent;

/**
 * The states of one computation, as CocosAI names them on the wire ({@link #name()} is the wire
 * name, and the {@code event_type} of the event emitted on entering the state).
 */
public enum State {
  /** Not started. */
  Idle("IdleState"),
  /** Waiting for the manifest. */
  ReceivingManifest("InProgress"),
  /** Manifest accepted; waiting for the algorithm. */
  ReceivingAlgorithm("InProgress"),
  /** Algorithm accepted; waiting for the datasets. */
  ReceivingData("InProgress"),
  /** Every item arrived; the algorithm runs. */
  Running("Starting"),
  /** The run succeeded; the results wait for their consumers. */
  ConsumingResults("Ready"),
  /** A consumer has fetched the results (others still may). */
  Complete("Completed"),
  /** The run, or getting to it, failed; the events name the reason. */
  Failed("Failed");

  private final String entryStatus;

  State(String entryStatus) {
    this.entryStatus = entryStatus;
  }

  /**
   * The status of the event emitted on entering this state (CocosAI's status strings).
   *
   * @return e.g. {@code InProgress}, {@code Starting}, {@code Ready}
   */
  public String entryStatus() {
    return entryStatus;
  }
}
