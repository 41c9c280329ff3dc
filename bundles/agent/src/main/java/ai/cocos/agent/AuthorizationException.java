package ai.cocos.agent;

/**
 * A request's signature was refused. {@link #kind()} is {@link Kind#UNAUTHENTICATED} (no usable
 * signature: missing, malformed, stale, replayed, or verifying with no key of the computation) or
 * {@link Kind#PERMISSION_DENIED} (a valid signature by a key that may not do this). The message
 * names the exact reason, e.g. {@code signature timestamp is 912 s in the past (allowed skew 300
 * s)}, and never quotes the signature.
 */
public class AuthorizationException extends AgentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param kind {@link Kind#UNAUTHENTICATED} or {@link Kind#PERMISSION_DENIED}
   * @param message the reason
   */
  public AuthorizationException(Kind kind, String message) {
    super(check(kind), message);
  }

  /**
   * A request without a usable signature.
   *
   * @param message the reason
   * @return a {@link Kind#UNAUTHENTICATED} error
   */
  public static AuthorizationException unauthenticated(String message) {
    return new AuthorizationException(Kind.UNAUTHENTICATED, message);
  }

  /**
   * A valid signature by a key that may not do this.
   *
   * @param message the reason
   * @return a {@link Kind#PERMISSION_DENIED} error
   */
  public static AuthorizationException permissionDenied(String message) {
    return new AuthorizationException(Kind.PERMISSION_DENIED, message);
  }

  private static Kind check(Kind kind) {
    if (kind != Kind.UNAUTHENTICATED && kind != Kind.PERMISSION_DENIED) {
      throw new IllegalArgumentException(
          "an AuthorizationException is UNAUTHENTICATED or" + " PERMISSION_DENIED, not " + kind);
    }
    return kind;
  }
}
