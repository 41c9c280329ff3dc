package ai.cocos.agent.internal.grpc;

import ai.cocos.agent.AgentEvent;
import ai.cocos.agent.AgentLog;
import ai.cocos.proto.cvms.AgentStateRes;
import ai.cocos.proto.cvms.ClientStreamMessage;
import ai.cocos.proto.cvms.RunResponse;
import ai.cocos.proto.cvms.StopComputationResponse;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The agent's events, logs and answers as CocosAI's {@code cvms.ClientStreamMessage}s. */
final class CvmsMessages {
  /** CocosAI's longest log message: longer ones are sent in pieces of this many characters. */
  static final int LOG_CHUNK = 500;

  private CvmsMessages() {}

  static ClientStreamMessage event(AgentEvent e) {
    return ClientStreamMessage.newBuilder()
        .setAgentEvent(
            ai.cocos.proto.cvms.AgentEvent.newBuilder()
                .setEventType(e.eventType())
                .setTimestamp(timestamp(e.timestamp()))
                .setComputationId(e.computationId())
                .setDetails(ByteString.copyFrom(e.details(), StandardCharsets.UTF_8))
                .setOriginator(e.originator())
                .setStatus(e.status()))
        .build();
  }

  /**
   * A log line, in pieces of at most {@value #LOG_CHUNK} characters (never splitting a surrogate
   * pair), as CocosAI sends long lines.
   *
   * @param log the line
   * @return one message per piece, at least one
   */
  static List<ClientStreamMessage> log(AgentLog log) {
    String text = log.message();
    List<ClientStreamMessage> out = new ArrayList<>();
    int i = 0;
    do {
      int end = Math.min(text.length(), i + LOG_CHUNK);
      if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
        end--;
      }
      out.add(
          ClientStreamMessage.newBuilder()
              .setAgentLog(
                  ai.cocos.proto.cvms.AgentLog.newBuilder()
                      .setMessage(text.substring(i, end))
                      .setComputationId(log.computationId())
                      .setLevel(log.level())
                      .setTimestamp(timestamp(log.timestamp())))
              .build());
      i = end;
    } while (i < text.length());
    return out;
  }

  static ClientStreamMessage runResponse(String computationId, String error) {
    return ClientStreamMessage.newBuilder()
        .setRunRes(RunResponse.newBuilder().setComputationId(computationId).setError(error))
        .build();
  }

  static ClientStreamMessage state(String id, String state) {
    return ClientStreamMessage.newBuilder()
        .setAgentStateRes(AgentStateRes.newBuilder().setId(id).setState(state))
        .build();
  }

  static ClientStreamMessage stopped(String computationId, String message) {
    return ClientStreamMessage.newBuilder()
        .setStopComputationRes(
            StopComputationResponse.newBuilder()
                .setComputationId(computationId)
                .setMessage(message))
        .build();
  }

  static ClientStreamMessage warning(String computationId, String message) {
    return log(new AgentLog(message, computationId, "WARN", Instant.now())).get(0);
  }

  private static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
