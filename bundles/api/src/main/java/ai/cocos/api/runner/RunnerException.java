package ai.cocos.api.runner;

import ai.cocos.api.CocosException;

/** A workload could not be started. The message names why. */
public class RunnerException extends CocosException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param message why the workload could not start
   */
  public RunnerException(String message) {
    super(message);
  }

  /**
   * Creates the error with its cause.
   *
   * @param message why the workload could not start
   * @param cause the underlying failure
   */
  public RunnerException(String message, Throwable cause) {
    super(message, cause);
  }
}
