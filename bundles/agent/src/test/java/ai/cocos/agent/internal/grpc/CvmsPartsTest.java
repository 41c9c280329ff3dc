package ai.cocos.agent.internal.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agent.AgentEvent;
import ai.cocos.agent.AgentLog;
import ai.cocos.proto.cvms.ClientStreamMessage;
import ai.cocos.proto.cvms.RunReqChunks;
import com.google.protobuf.ByteString;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The CVMS client's parts without a network: queue, chunk reassembly, message shapes. */
class CvmsPartsTest {
  static ClientStreamMessage log(String text) {
    return CvmsMessages.log(new AgentLog(text, "c", "INFO", Instant.now())).get(0);
  }

  static ClientStreamMessage event(String type) {
    return CvmsMessages.event(new AgentEvent(type, Instant.now(), "c", "{}", "agent", "x"));
  }

  static List<String> drain(Outbox o) {
    List<String> out = new ArrayList<>();
    for (ClientStreamMessage m = o.poll(); m != null; m = o.poll()) {
      out.add(
          switch (m.getMessageCase()) {
            case AGENT_LOG -> "log " + m.getAgentLog().getMessage();
            case AGENT_EVENT -> "event " + m.getAgentEvent().getEventType();
            case RUN_RES -> "run " + m.getRunRes().getComputationId();
            default -> m.getMessageCase().toString();
          });
    }
    return out;
  }

  @Test
  void theOutboxKeepsOrderDropsOldestLogsFirstAndNeverAnswers() {
    Outbox o = new Outbox(3);
    o.add(log("1"));
    o.add(event("A"));
    o.add(CvmsMessages.runResponse("r1", ""));
    o.add(log("2"));
    o.add(log("3")); // full: log 1 goes
    o.add(event("B")); // full: log 2 goes
    o.add(CvmsMessages.runResponse("r2", "")); // answers never count, never go
    assertEquals(List.of("event A", "run r1", "log 3", "event B", "run r2"), drain(o));
    assertArrayEquals(new long[] {2, 0}, o.takeDropped());

    o.add(event("C"));
    o.add(event("D"));
    o.add(event("E"));
    o.add(event("F")); // no log left: the oldest event goes
    assertEquals(List.of("event D", "event E", "event F"), drain(o));
    assertArrayEquals(new long[] {0, 1}, o.takeDropped());
    assertNull(o.poll());
  }

  @Test
  void aMessageThatCouldNotBeSentGoesBackToTheFront() {
    Outbox o = new Outbox(10);
    o.add(log("1"));
    o.add(event("A"));
    ClientStreamMessage first = o.poll();
    o.requeue(first);
    assertEquals(List.of("log 1", "event A"), drain(o));
  }

  @Test
  void longLogLinesGoInPiecesOf500CharactersWithoutSplittingASurrogatePair() {
    String line = "x".repeat(499) + "\uD83D\uDE00" + "y".repeat(600);
    List<ClientStreamMessage> pieces =
        CvmsMessages.log(new AgentLog(line, "c", "DEBUG", Instant.now()));
    assertEquals(3, pieces.size());
    StringBuilder joined = new StringBuilder();
    for (ClientStreamMessage m : pieces) {
      assertTrue(m.getAgentLog().getMessage().length() <= 500);
      assertEquals("DEBUG", m.getAgentLog().getLevel());
      joined.append(m.getAgentLog().getMessage());
    }
    assertEquals(line, joined.toString());
    assertEquals(499, pieces.get(0).getAgentLog().getMessage().length());
    assertEquals(1, CvmsMessages.log(new AgentLog("", "c", "INFO", Instant.now())).size());
  }

  @Test
  void eventsKeepTheirShape() {
    Instant t = Instant.ofEpochSecond(1_700_000_000L, 123);
    ClientStreamMessage m =
        CvmsMessages.event(new AgentEvent("Running", t, "comp", "{\"a\":1}", "agent", "Starting"));
    assertEquals("Running", m.getAgentEvent().getEventType());
    assertEquals("comp", m.getAgentEvent().getComputationId());
    assertEquals("{\"a\":1}", m.getAgentEvent().getDetails().toStringUtf8());
    assertEquals("agent", m.getAgentEvent().getOriginator());
    assertEquals("Starting", m.getAgentEvent().getStatus());
    assertEquals(1_700_000_000L, m.getAgentEvent().getTimestamp().getSeconds());
    assertEquals(123, m.getAgentEvent().getTimestamp().getNanos());
  }

  static RunReqChunks chunk(String id, String data, boolean last) {
    return RunReqChunks.newBuilder()
        .setId(id)
        .setData(ByteString.copyFromUtf8(data))
        .setIsLast(last)
        .build();
  }

  @Test
  void chunksAreReassembledByIdAndIdleOnesDiscarded() throws Exception {
    RunRequestChunks c = new RunRequestChunks(1024, Duration.ofSeconds(30));
    long t = 0;
    assertEquals(Optional.empty(), c.add(chunk("a", "he", false), t));
    assertEquals(Optional.empty(), c.add(chunk("b", "wo", false), t));
    assertEquals(Optional.empty(), c.add(chunk("a", "llo", false), t));
    assertEquals("hello", new String(c.add(chunk("a", "", true), t).orElseThrow()));
    assertEquals(2, c.buffered());

    long later = Duration.ofSeconds(31).toNanos();
    assertEquals(List.of("b"), c.expire(later));
    assertEquals(0, c.buffered());
    assertEquals("rld", new String(c.add(chunk("b", "rld", true), later).orElseThrow()));
  }

  @Test
  void aRunRequestOverTheCapIsRefusedOnceAndItsRestIgnored() throws Exception {
    RunRequestChunks c = new RunRequestChunks(1024, Duration.ofSeconds(30));
    c.add(chunk("big", "x".repeat(1000), false), 0);
    RunRequestChunks.TooLargeException e =
        assertThrows(
            RunRequestChunks.TooLargeException.class,
            () -> c.add(chunk("big", "x".repeat(100), false), 0));
    assertTrue(e.getMessage().contains("run request big is larger"), e.getMessage());
    assertEquals(0, c.buffered());
    assertEquals(Optional.empty(), c.add(chunk("big", "x".repeat(10), false), 0));
    assertEquals(Optional.empty(), c.add(chunk("big", "", true), 0));
    // Another request is unaffected.
    assertEquals("ok", new String(c.add(chunk("small", "ok", true), 0).orElseThrow()));
  }
}
