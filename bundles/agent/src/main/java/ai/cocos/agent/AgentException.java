package ai.cocos.agent;

import ai.cocos.api.CocosException;
import java.util.Objects;

/**
 * The agent refused or could not do what was asked. The message names the problem for the user
 * (never a secret); {@link #kind()} tells a transport which status to answer with.
 */
public class AgentException extends CocosException {
  private static final long serialVersionUID = 1L;

  /** What kind of problem, each with the gRPC status a transport should answer with. */
  public enum Kind {
    /**
     * No usable signature: missing, malformed, stale, replayed, or not verifying with any key of
     * the computation. gRPC {@code UNAUTHENTICATED}.
     */
    UNAUTHENTICATED,
    /**
     * A valid signature, but by a key not allowed to do this (another role's key, another dataset's
     * key), or an authorisation used for another operation. gRPC {@code PERMISSION_DENIED}.
     */
    PERMISSION_DENIED,
    /**
     * The computation is not in a state that allows the operation. gRPC {@code
     * FAILED_PRECONDITION}.
     */
    WRONG_STATE,
    /** Another computation is not finished yet. gRPC {@code FAILED_PRECONDITION}. */
    BUSY,
    /** The item was already received. gRPC {@code ALREADY_EXISTS}. */
    ALREADY_RECEIVED,
    /** The manifest does not declare the item. gRPC {@code NOT_FOUND}. */
    UNDECLARED,
    /** The upload's SHA3-256 is not the one the manifest names. gRPC {@code INVALID_ARGUMENT}. */
    HASH_MISMATCH,
    /**
     * The request or upload is unacceptable as sent: empty, metadata contradicting the manifest, a
     * zip that cannot be safely extracted. gRPC {@code INVALID_ARGUMENT}.
     */
    REJECTED,
    /** The upload is larger than the configured limit. gRPC {@code RESOURCE_EXHAUSTED}. */
    TOO_LARGE,
    /**
     * Accepting more would take the disk below its configured reserve. gRPC {@code
     * RESOURCE_EXHAUSTED}.
     */
    DISK_FULL,
    /**
     * Too many signed requests within the skew window to remember their nonces. gRPC {@code
     * RESOURCE_EXHAUSTED}.
     */
    OVERLOADED,
    /** The run has not produced results yet. gRPC {@code FAILED_PRECONDITION}. */
    RESULTS_NOT_READY,
    /** The run failed; the message is its reason. gRPC {@code FAILED_PRECONDITION}. */
    RUN_FAILED,
    /** The results were wiped (served to everyone, expired, or stopped). gRPC {@code NOT_FOUND}. */
    WIPED,
    /** The upload was aborted or failed earlier. gRPC {@code CANCELLED} / {@code ABORTED}. */
    ABORTED,
    /** An input/output failure of the agent itself. gRPC {@code INTERNAL}. */
    INTERNAL
  }

  private final Kind kind;

  /**
   * Creates the error.
   *
   * @param kind the kind of problem
   * @param message what went wrong, for a person to act on
   */
  public AgentException(Kind kind, String message) {
    super(message);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  /**
   * Creates the error with its cause.
   *
   * @param kind the kind of problem
   * @param message what went wrong, for a person to act on
   * @param cause the underlying failure
   */
  public AgentException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  /**
   * The kind of problem.
   *
   * @return the kind
   */
  public Kind kind() {
    return kind;
  }
}
