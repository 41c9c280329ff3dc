package ai.cocos.manager.internal;

import ai.cocos.api.computation.Manifest;
import ai.cocos.proto.cvms.AgentEvent;
import ai.cocos.proto.cvms.AgentLog;
import ai.cocos.proto.cvms.AgentStateReq;
import ai.cocos.proto.cvms.ClientStreamMessage;
import ai.cocos.proto.cvms.ServerStreamMessage;
import ai.cocos.proto.cvms.StopComputation;
import ai.cocos.proto.cvms.StopComputationResponse;
import ai.cocos.transport.grpc.RunRequests;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The CVMS side of the agents' {@code cvms.Service/Process} streams: which agent stream serves
 * which computation, the run request each computation's agent receives, and everything the agents
 * report, recorded in the {@link ComputationRegistry}.
 *
 * <h2>Protocol (CocosAI's, §2.2 and §3.3 of the reference)</h2>
 *
 * <ul>
 *   <li>An agent opens the stream with metadata {@code job-id} = its CVM id ({@code AGENT_CVM_ID}).
 *       The computation bound to that CVM ({@code CreateReq.computation_id}) is the stream's; a
 *       {@code job-id} that names a computation directly also works (an agent started by hand).
 *   <li>Unless an agent has answered it before, the run request follows at once: the serialized
 *       {@code ComputationRunReq} in {@code runReqChunks} of 1 MiB with {@code is_last=false}, then
 *       an empty chunk with {@code is_last=true}, all with {@code id} = the computation id. Once a
 *       {@code RunResponse} has arrived it is never sent again (an agent that reconnects gets an
 *       {@code agentStateReq} instead); a request sent without an answer is sent again on the next
 *       stream.
 *   <li>Streams with metadata {@code connection-type: log-forwarder} only report: no run request.
 *   <li>Every {@code AgentEvent}, {@code AgentLog}, {@code RunResponse}, {@code AgentStateRes} and
 *       {@code StopComputationResponse} is recorded against the stream's computation (whatever
 *       {@code computation_id} the message names: the binding decides); a stream's end or error is
 *       recorded as an event. Streams without a computation are kept open and only logged.
 * </ul>
 *
 * <p>Thread-safe. Messages to one stream are sent one at a time.
 */
final class AgentLinks implements AutoCloseable {
  /** The metadata value of a log forwarder's {@code connection-type}. */
  static final String LOG_FORWARDER = "log-forwarder";

  private static final Logger LOG = System.getLogger(AgentLinks.class.getName());

  private final ComputationRegistry registry;

  /** The stream that serves each computation now (the newest one). */
  private final Map<String, Session> current = new ConcurrentHashMap<>();

  /** Every open stream. */
  private final Map<Session, Boolean> open = new ConcurrentHashMap<>();

  /** Stop requests waiting for their {@code StopComputationResponse}, by computation. */
  private final Map<String, CompletableFuture<String>> pendingStops = new ConcurrentHashMap<>();

  /** How many streams each computation has had, to tell a reconnect from a first connect. */
  private final Map<String, AtomicInteger> connects = new ConcurrentHashMap<>();

  /** Serialises run-request delivery per computation. */
  private final Map<String, Object> deliveryLocks = new ConcurrentHashMap<>();

  AgentLinks(ComputationRegistry registry) {
    this.registry = registry;
  }

  /**
   * Serves a new agent stream.
   *
   * @param jobId the {@code job-id} metadata, empty if absent
   * @param connectionType the {@code connection-type} metadata, empty if absent
   * @param out the stream to the agent
   * @return the observer of the agent's messages
   */
  StreamObserver<ClientStreamMessage> open(
      String jobId, String connectionType, StreamObserver<ServerStreamMessage> out) {
    Optional<String> bound = registry.boundTo(jobId);
    if (bound.isEmpty() && !jobId.isEmpty() && registry.contains(jobId)) {
      bound = Optional.of(jobId);
    }
    boolean forwarder = LOG_FORWARDER.equals(connectionType);
    Session s = new Session(jobId, bound.orElse(null), forwarder, out);
    open.put(s, Boolean.TRUE);
    if (s.computationId == null) {
      LOG.log(
          Level.WARNING,
          "agent stream with job-id ''{0}'' has no computation bound; its messages are only"
              + " logged (bind one with CreateReq.computation_id)",
          Text.printable(jobId));
      return s;
    }
    String id = s.computationId;
    int n = connects.computeIfAbsent(id, k -> new AtomicInteger()).getAndIncrement();
    if (!forwarder) {
      current.put(id, s);
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("cvm_id", jobId);
    details.put("connection_type", connectionType);
    details.put("reconnect", n > 0);
    registry.managerEvent(
        id,
        "AgentConnected",
        "",
        (forwarder ? "log forwarder" : "agent")
            + (n > 0 ? " reconnected" : " connected")
            + " (job-id "
            + Text.printable(jobId)
            + ")",
        details,
        null);
    if (!forwarder) {
      deliver(s);
    }
    return s;
  }

  /** Sends the run request unless it was answered; otherwise asks for the agent's state. */
  private void deliver(Session s) {
    String id = s.computationId;
    synchronized (deliveryLocks.computeIfAbsent(id, k -> new Object())) {
      if (registry.claimRunRequest(id)) {
        byte[] serialized;
        try {
          Manifest m = registry.manifest(id);
          serialized = RunRequests.toProto(m, registry.ownerSignature(id)).toByteArray();
        } catch (ManagerException e) {
          return;
        }
        List<ServerStreamMessage> chunks = RunRequests.chunks(id, serialized);
        for (ServerStreamMessage chunk : chunks) {
          if (!s.send(chunk)) {
            return;
          }
        }
        registry.runRequestSent(id, serialized.length, chunks.size());
      } else {
        registry.managerEvent(
            id,
            "RunRequestSkipped",
            "",
            "the agent answered the run request before: asking for its state instead",
            Map.of(),
            null);
        s.send(
            ServerStreamMessage.newBuilder()
                .setAgentStateReq(AgentStateReq.newBuilder().setId(id))
                .build());
      }
    }
  }

  /**
   * Asks a computation's agent to stop it ({@code StopComputation}).
   *
   * @param computationId the computation
   * @return the agent's answer ({@code StopComputationResponse.message}, empty on success); empty
   *     if no agent stream serves the computation
   */
  Optional<CompletableFuture<String>> stop(String computationId) {
    Session s = current.get(computationId);
    if (s == null) {
      return Optional.empty();
    }
    CompletableFuture<String> answer =
        pendingStops.computeIfAbsent(computationId, k -> new CompletableFuture<>());
    registry.managerEvent(
        computationId,
        "StopRequested",
        "",
        "asked the agent to stop the computation",
        Map.of(),
        null);
    boolean sent =
        s.send(
            ServerStreamMessage.newBuilder()
                .setStopComputation(StopComputation.newBuilder().setComputationId(computationId))
                .build());
    if (!sent) {
      pendingStops.remove(computationId, answer);
      return Optional.empty();
    }
    return Optional.of(answer);
  }

  /**
   * Stops a computation and waits a little for the agent's answer (before its VM is removed).
   *
   * @param computationId the computation
   * @param wait how long to wait for the answer
   */
  void stopAndWait(String computationId, Duration wait) {
    Optional<CompletableFuture<String>> answer = stop(computationId);
    if (answer.isEmpty()) {
      return;
    }
    try {
      answer.get().get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      LOG.log(Level.DEBUG, "no stop answer from the agent of {0} within {1}", computationId, wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Whether an agent stream serves a computation now.
   *
   * @param computationId the computation
   * @return {@code true} if connected
   */
  boolean connected(String computationId) {
    return current.containsKey(computationId);
  }

  /** Ends every stream; the agents reconnect to the next manager. */
  @Override
  public void close() {
    for (Session s : List.copyOf(open.keySet())) {
      s.fail(Status.UNAVAILABLE.withDescription("the manager is stopping; reconnect"));
    }
  }

  private void closed(Session s, String why, boolean error) {
    open.remove(s);
    if (s.computationId == null) {
      return;
    }
    boolean wasCurrent = current.remove(s.computationId, s);
    registry.managerEvent(
        s.computationId,
        "AgentDisconnected",
        error ? "Warning" : "",
        (s.forwarder ? "log forwarder" : "agent")
            + " stream ended: "
            + why
            + (wasCurrent ? "" : " (a newer stream serves the computation)"),
        Map.of("cvm_id", s.jobId, "reason", why),
        null);
  }

  /** One agent stream. */
  private final class Session implements StreamObserver<ClientStreamMessage> {
    final String jobId;
    final String computationId;
    final boolean forwarder;
    private final StreamObserver<ServerStreamMessage> out;
    // guarded by this
    private boolean done;

    Session(
        String jobId,
        String computationId,
        boolean forwarder,
        StreamObserver<ServerStreamMessage> out) {
      this.jobId = jobId;
      this.computationId = computationId;
      this.forwarder = forwarder;
      this.out = out;
    }

    synchronized boolean send(ServerStreamMessage m) {
      if (done) {
        return false;
      }
      try {
        out.onNext(m);
        return true;
      } catch (RuntimeException e) {
        // The call was cancelled under us: the agent will reconnect.
        LOG.log(Level.DEBUG, "cannot send to agent stream: " + e);
        return false;
      }
    }

    void fail(Status status) {
      synchronized (this) {
        if (done) {
          return;
        }
        done = true;
        try {
          out.onError(status.asRuntimeException());
        } catch (RuntimeException ignored) {
          // already cancelled
        }
      }
      closed(this, status.getDescription(), true);
    }

    @Override
    public void onNext(ClientStreamMessage m) {
      String id = computationId;
      if (id == null) {
        LOG.log(
            Level.DEBUG,
            "agent {0} (no computation bound) sent {1}",
            Text.printable(jobId),
            m.getMessageCase());
        return;
      }
      switch (m.getMessageCase()) {
        case AGENT_LOG -> {
          AgentLog l = m.getAgentLog();
          registry.agentLog(
              id, time(l.hasTimestamp(), l.getTimestamp()), l.getLevel(), l.getMessage());
        }
        case AGENT_EVENT -> {
          AgentEvent e = m.getAgentEvent();
          registry.agentEvent(
              id,
              time(e.hasTimestamp(), e.getTimestamp()),
              e.getOriginator(),
              e.getEventType(),
              e.getStatus(),
              e.getDetails().toByteArray());
        }
        case RUN_RES -> registry.runResponse(id, m.getRunRes().getError());
        case AGENTSTATERES -> registry.agentState(id, m.getAgentStateRes().getState());
        case STOPCOMPUTATIONRES -> {
          StopComputationResponse r = m.getStopComputationRes();
          boolean ok = r.getMessage().isEmpty();
          registry.managerEvent(
              id,
              "StopComputationResponse",
              ok ? ComputationRegistry.STOPPED : ComputationRegistry.FAILED,
              ok
                  ? "the agent stopped the computation"
                  : "the agent could not stop: " + r.getMessage(),
              Map.of("message", r.getMessage()),
              ok ? ComputationRegistry.STOPPED : null);
          CompletableFuture<String> waiting = pendingStops.remove(id);
          if (waiting != null) {
            waiting.complete(r.getMessage());
          }
        }
        case VTPMATTESTATIONREPORT, AZUREATTESTATIONTOKEN -> {
          int size =
              m.hasVTPMattestationReport()
                  ? m.getVTPMattestationReport().getFile().size()
                  : m.getAzureAttestationToken().getFile().size();
          registry.managerEvent(
              id,
              m.hasVTPMattestationReport() ? "VtpmAttestationReport" : "AzureAttestationToken",
              "",
              "the agent sent startup attestation (" + size + " bytes; not verified here)",
              Map.of("bytes", size, "verified", false),
              null);
        }
        case MESSAGE_NOT_SET ->
            LOG.log(Level.DEBUG, "empty message from agent {0}", Text.printable(jobId));
      }
    }

    @Override
    public void onError(Throwable t) {
      synchronized (this) {
        done = true;
      }
      Status status = Status.fromThrowable(t);
      closed(
          this,
          status.getCode()
              + (status.getDescription() == null ? "" : ": " + status.getDescription()),
          true);
    }

    @Override
    public void onCompleted() {
      synchronized (this) {
        if (!done) {
          done = true;
          try {
            out.onCompleted();
          } catch (RuntimeException ignored) {
            // already cancelled
          }
        }
      }
      closed(this, "closed by the agent", false);
    }

    private Instant time(boolean present, Timestamp t) {
      if (!present || (t.getSeconds() == 0 && t.getNanos() == 0)) {
        return null;
      }
      return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
  }
}
