package ai.cocos.agent.internal.grpc;

import ai.cocos.agent.AgentException;
import io.grpc.Status;

/**
 * How the agent's errors become gRPC statuses: the code from {@link AgentException.Kind} (the table
 * in the agent's README), the agent's message as the description, never a stack trace.
 */
final class GrpcStatuses {
  /** The answer while the agent has not started any computation. */
  static final String NO_COMPUTATION = "no computation: the agent has not received a manifest yet";

  /** The answer of the attestation calls in this build. */
  static final String NO_ATTESTATION =
      "attestation is not available in this build of the agent: it serves no evidence yet";

  private GrpcStatuses() {}

  /**
   * The status for an agent error.
   *
   * @param e the error
   * @param clientCancelled whether the client cancelled the call (an aborted upload is then {@code
   *     CANCELLED})
   * @return the status, described by the agent's message
   */
  static Status of(AgentException e, boolean clientCancelled) {
    Status.Code code =
        switch (e.kind()) {
          case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
          case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
          case WRONG_STATE, BUSY, RESULTS_NOT_READY, RUN_FAILED -> Status.Code.FAILED_PRECONDITION;
          case ALREADY_RECEIVED -> Status.Code.ALREADY_EXISTS;
          case UNDECLARED, WIPED -> Status.Code.NOT_FOUND;
          case HASH_MISMATCH, REJECTED -> Status.Code.INVALID_ARGUMENT;
          case TOO_LARGE, DISK_FULL, OVERLOADED -> Status.Code.RESOURCE_EXHAUSTED;
          case ABORTED -> clientCancelled ? Status.Code.CANCELLED : Status.Code.ABORTED;
          case INTERNAL -> Status.Code.INTERNAL;
        };
    return Status.fromCode(code).withDescription(e.getMessage());
  }

  /**
   * The status for an unexpected failure: {@code INTERNAL}, naming the failure's type only (its
   * message may hold paths or data the client must not see; the agent logs it).
   *
   * @param e the failure
   * @return the status
   */
  static Status internal(RuntimeException e) {
    return Status.INTERNAL.withDescription(
        "the agent failed (" + e.getClass().getSimpleName() + "); see the agent's log");
  }
}
