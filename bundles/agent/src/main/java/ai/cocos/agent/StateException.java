package ai.cocos.agent;

import java.util.Objects;

/**
 * The computation is not in a state that allows what was asked: an upload out of order or after the
 * run started, or a state-machine trigger with no transition from the current state. Unlike
 * CocosAI's, the state machine keeps running and its state is unchanged.
 *
 * <p>The message reads {@code agent not expecting this operation in the current state: <state>},
 * followed by what was attempted.
 */
public class StateException extends AgentException {
  private static final long serialVersionUID = 1L;

  /** The start of every message, as CocosAI words this error. */
  public static final String PREFIX = "agent not expecting this operation in the current state: ";

  private final State state;
  private final String attempted;

  /**
   * Creates the error.
   *
   * @param state the state the computation is in (and stays in)
   * @param attempted what was attempted and, if useful, what it needs, e.g. {@code trigger
   *     DataReceived} or {@code algorithm upload (the algorithm was already received)}
   */
  public StateException(State state, String attempted) {
    super(Kind.WRONG_STATE, PREFIX + state + " (" + attempted + ")");
    this.state = Objects.requireNonNull(state, "state");
    this.attempted = Objects.requireNonNull(attempted, "attempted");
  }

  /**
   * The state the computation was (and is) in.
   *
   * @return the state
   */
  public State state() {
    return state;
  }

  /**
   * What was attempted.
   *
   * @return a short description
   */
  public String attempted() {
    return attempted;
  }
}
