package ai.cocos.manager;

import ai.cocos.api.CocosException;

/** A VM backend could not start an agent; the message says why and what to do. */
public class VmBackendException extends CocosException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param message what went wrong, e.g. {@code MANAGER_AGENT_ASSEMBLY is not set: point it at
   *     agent-app/target/assembly}
   */
  public VmBackendException(String message) {
    super(message);
  }

  /**
   * Creates the error with its cause.
   *
   * @param message what went wrong
   * @param cause the underlying failure
   */
  public VmBackendException(String message, Throwable cause) {
    super(message, cause);
  }
}
