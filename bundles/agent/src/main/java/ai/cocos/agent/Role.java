package ai.cocos.agent;

/** The parties a manifest names, with the role strings CocosAI signs and sends. */
public enum Role {
  /** Uploads the algorithm; the manifest's {@code algorithm.userKey}. */
  ALGORITHM_PROVIDER("algorithm-provider"),
  /** Uploads one or more datasets; each dataset's {@code userKey}. */
  DATA_PROVIDER("data-provider"),
  /** Downloads the results; a {@code resultConsumers[].userKey}. */
  CONSUMER("consumer");

  private final String wire;

  Role(String wire) {
    this.wire = wire;
  }

  /**
   * The role string on the wire and in signed messages.
   *
   * @return {@code algorithm-provider}, {@code data-provider} or {@code consumer}
   */
  public String wire() {
    return wire;
  }

  /**
   * The wire form.
   *
   * @return {@link #wire()}
   */
  @Override
  public String toString() {
    return wire;
  }
}
