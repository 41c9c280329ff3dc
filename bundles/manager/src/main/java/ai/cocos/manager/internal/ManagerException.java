package ai.cocos.manager.internal;

import ai.cocos.api.CocosException;
import io.grpc.Status;
import io.grpc.StatusException;

/**
 * A request the manager refuses, with the gRPC status it maps to. The message names the problem and
 * what to do; it never holds a secret.
 */
final class ManagerException extends CocosException {
  private static final long serialVersionUID = 1L;

  /** Why a request is refused; each maps to one gRPC status code. */
  enum Reason {
    INVALID_ARGUMENT(Status.Code.INVALID_ARGUMENT),
    ALREADY_EXISTS(Status.Code.ALREADY_EXISTS),
    NOT_FOUND(Status.Code.NOT_FOUND),
    PERMISSION_DENIED(Status.Code.PERMISSION_DENIED),
    FAILED_PRECONDITION(Status.Code.FAILED_PRECONDITION),
    RESOURCE_EXHAUSTED(Status.Code.RESOURCE_EXHAUSTED),
    UNAVAILABLE(Status.Code.UNAVAILABLE),
    INTERNAL(Status.Code.INTERNAL);

    private final Status.Code code;

    Reason(Status.Code code) {
      this.code = code;
    }
  }

  private final Reason reason;

  ManagerException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  ManagerException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  Reason reason() {
    return reason;
  }

  /**
   * The error as a gRPC status, the message as its description.
   *
   * @return the exception to hand to {@code StreamObserver.onError}
   */
  StatusException toStatus() {
    return Status.fromCode(reason.code).withDescription(getMessage()).asException();
  }
}
