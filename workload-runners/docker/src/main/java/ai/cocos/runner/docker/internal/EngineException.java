package ai.cocos.runner.docker.internal;

import java.io.IOException;

/** The engine refused an API call; the message carries the engine's own explanation. */
final class EngineException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The HTTP status the engine answered with, or 0 when it did not answer in time. */
  private final int status;

  /**
   * Creates the error.
   *
   * @param status the HTTP status, or 0
   * @param message what failed, with the engine's message
   */
  EngineException(int status, String message) {
    super(message);
    this.status = status;
  }

  /**
   * The HTTP status the engine answered with.
   *
   * @return the status, or 0 when it did not answer in time
   */
  int status() {
    return status;
  }
}
