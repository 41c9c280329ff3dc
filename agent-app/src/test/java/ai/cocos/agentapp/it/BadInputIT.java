package ai.cocos.agentapp.it;

import static ai.cocos.agentapp.it.ItSupport.algo;
import static ai.cocos.agentapp.it.ItSupport.data;
import static ai.cocos.agentapp.it.ItSupport.headers;
import static ai.cocos.agentapp.it.ItSupport.pem;
import static ai.cocos.agentapp.it.ItSupport.result;
import static ai.cocos.agentapp.it.ItSupport.sha3;
import static ai.cocos.agentapp.it.ItSupport.unzip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agent.Operation;
import ai.cocos.agentapp.it.ItSupport.AgentTls;
import ai.cocos.agentapp.it.ItSupport.Cvms;
import ai.cocos.api.computation.AlgorithmSpec;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.core.launch.AssemblyProcess;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.proto.agent.AgentServiceGrpc;
import ai.cocos.proto.agent.DataRequest;
import ai.cocos.proto.agent.DataResponse;
import ai.cocos.proto.cvms.ClientStreamMessage;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad input the issue lists, against the real agent assembly as a process, over
 * loopback gRPC with TLS, with its computation management service: each gets an error that names
 * the problem, and nothing already accepted is lost (the computation goes on to its result).
 */
class BadInputIT {
  private static final Path ASSEMBLY = Path.of(System.getProperty("cocos.assembly.dir"));
  private static final Duration START = Duration.ofSeconds(60);
  private static final byte[] A = "p1,flu\np2,asthma\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] B = "q1,flu\n".getBytes(StandardCharsets.UTF_8);

  @TempDir Path tmp;

  private final KeyPair lab = PemKeys.generate(KeyType.ECDSA);
  private final KeyPair hospitalA = PemKeys.generate(KeyType.ED25519);
  private final KeyPair hospitalB = PemKeys.generate(KeyType.RSA);
  private final KeyPair stranger = PemKeys.generate(KeyType.ECDSA);

  /** Waits until the test creates its release file, so the test decides when the run ends. */
  private static byte[] algorithm() {
    return ("#!/bin/sh\n"
            + "while [ ! -e \"$1\" ]; do sleep 0.05; done\n"
            + "cat datasets/a.csv datasets/b.csv > results/joined.csv\n"
            + "echo joined\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  private Manifest manifest(String id, AgentTls tls, Path release, byte[] b) {
    return new Manifest(
        id,
        "bad input",
        "",
        List.of(
            new DatasetSpec(sha3(A), pem(hospitalA), "a.csv", false),
            new DatasetSpec(sha3(b), pem(hospitalB), "b.csv", false)),
        new AlgorithmSpec(sha3(algorithm()), pem(lab), "bin", List.of(release.toString())),
        List.of(new ResultConsumer(pem(lab))),
        tls.config());
  }

  @Test
  void eachBadInputIsRefusedByNameAndTheComputationStillCompletes() throws Exception {
    AgentTls tls = AgentTls.create();
    Path release = tmp.resolve("release");
    Manifest m = manifest("bad-input-" + ProcessHandle.current().pid(), tls, release, B);
    Cvms cvms = new Cvms();
    int port = AssemblyProcess.freePort();
    try (AssemblyProcess agent = startAgent(port, cvms, Map.of())) {
      ItSupport.await("the agent's stream", () -> cvms.stream != null);
      cvms.run(m);
      assertEquals("", cvms.await(ClientStreamMessage::hasRunRes).getRunRes().getError());
      ItSupport.await(
          "TLS on the agent's endpoint",
          () -> agent.output().contains("gRPC endpoint 'agent' on 127.0.0.1:" + port + " (TLS)"));
      ManagedChannel ch = tls.channel(port);
      try {
        // A key the manifest does not name.
        refused(
            () -> algo(ch, m, stranger, algorithm()),
            Status.Code.UNAUTHENTICATED,
            "signature does not verify with any key of this computation");
        // A valid signature from the wrong role: a data provider signs the algorithm.
        refused(
            () -> algo(ch, m, hospitalA, algorithm()),
            Status.Code.PERMISSION_DENIED,
            "not the algorithm-provider key");
        // The right key, other bytes.
        byte[] tampered = Arrays.copyOf(algorithm(), algorithm().length + 1);
        tampered[tampered.length - 1] = '\n';
        StatusRuntimeException mismatch =
            refused(() -> algo(ch, m, lab, tampered), null, "SHA3-256 is");
        assertTrue(
            mismatch.getStatus().getDescription().contains(m.algorithm().hash().hex()),
            "names the expected hash: " + mismatch.getStatus());
        algo(ch, m, lab, algorithm());

        // The algorithm provider signs a dataset; one data provider names the other's dataset.
        refused(
            () -> data(ch, m, lab, "a.csv", A),
            Status.Code.PERMISSION_DENIED,
            "data-provider key of dataset 'a.csv'");
        refused(
            () -> data(ch, m, hospitalB, "a.csv", A),
            Status.Code.PERMISSION_DENIED,
            "data-provider key of dataset 'a.csv'");
        // A stream cut off by its client, then one that ends early: neither counts.
        cutOff(ch, m, hospitalA, "a.csv", Arrays.copyOf(A, A.length / 2));
        refused(
            () -> data(ch, m, hospitalA, "a.csv", Arrays.copyOf(A, A.length / 2)),
            null,
            "SHA3-256 is");
        data(ch, m, hospitalA, "a.csv", A);
        // The same dataset twice.
        refused(
            () -> data(ch, m, hospitalA, "a.csv", A),
            Status.Code.ALREADY_EXISTS,
            "dataset 'a.csv' was already received");
        // Results before the run: not ready, and says the state.
        refused(() -> result(ch, m, lab), null, "results are not ready");

        data(ch, m, hospitalB, "b.csv", B);
        cvms.awaitEvent("Running");
        // Uploads after the run started.
        refused(
            () -> data(ch, m, hospitalB, "b.csv", B),
            Status.Code.FAILED_PRECONDITION,
            "current state: Running (dataset 'b.csv' upload; every item was received and the run"
                + " has started)");
        refused(
            () -> algo(ch, m, lab, algorithm()),
            Status.Code.ALREADY_EXISTS,
            "algorithm was already received");
        // Results before the run ended.
        refused(() -> result(ch, m, lab), null, "results are not ready");

        // A second computation while one runs: refused, the first goes on.
        Manifest second = manifest(m.id() + "-2", tls, release, B);
        cvms.run(second);
        ClientStreamMessage answer =
            cvms.await(r -> r.hasRunRes() && r.getRunRes().getComputationId().equals(second.id()));
        assertTrue(
            answer.getRunRes().getError().contains("computation already running"),
            answer.toString());

        // The computation service goes away mid-run: the agent finishes the run regardless.
        int seenBefore = cvms.jobIds.size();
        cvms.stop();
        int receivedBefore = cvms.received.size();
        Files.createFile(release);
        // ... serves its result to consumers only ...
        refused(
            () -> result(ch, m, hospitalA), Status.Code.PERMISSION_DENIED, "not a consumer key");
        Map<String, String> files = unzip(awaitResult(ch, m, lab));
        assertEquals("p1,flu\np2,asthma\nq1,flu\n", files.get("joined.csv"), files.toString());
        // ... and when the service is back, reconnects and reports what happened meanwhile.
        cvms.restart();
        ItSupport.await("the agent to reconnect", () -> cvms.jobIds.size() > seenBefore);
        for (String event : List.of("ConsumingResults", "Wiped")) {
          cvms.await(
              e ->
                  cvms.received.indexOf(e) >= receivedBefore
                      && e.hasAgentEvent()
                      && e.getAgentEvent().getEventType().equals(event));
        }
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      cvms.close();
    }
  }

  @Test
  void aDatasetLargerThanTheFreeDiskIsRefusedAndWhatWasAcceptedStays() throws Exception {
    AgentTls tls = AgentTls.create();
    Path work = Files.createDirectories(tmp.resolve("work"));
    // Leave the agent 96 MiB above its reserve: the 1 GiB dataset cannot fit.
    long reserve = Files.getFileStore(work).getUsableSpace() - 96L * 1024 * 1024;
    assertTrue(reserve > 0, "the disk needs 96 MiB free for this test");
    byte[] big = "declared as 1 GiB, refused long before".getBytes(StandardCharsets.UTF_8);
    Manifest m = manifest("disk-" + ProcessHandle.current().pid(), tls, tmp.resolve("go"), big);
    Cvms cvms = new Cvms();
    int port = AssemblyProcess.freePort();
    try (AssemblyProcess agent =
        startAgent(
            port,
            cvms,
            Map.of("AGENT_WORK_DIR", work.toString(), "AGENT_DISK_RESERVE_BYTES", "" + reserve))) {
      ItSupport.await("the agent's stream", () -> cvms.stream != null);
      cvms.run(m);
      assertEquals("", cvms.await(ClientStreamMessage::hasRunRes).getRunRes().getError());
      ItSupport.await(
          "TLS on the agent's endpoint",
          () -> agent.output().contains("gRPC endpoint 'agent' on 127.0.0.1:" + port + " (TLS)"));
      ManagedChannel ch = tls.channel(port);
      try {
        algo(ch, m, lab, algorithm());
        data(ch, m, hospitalA, "a.csv", A);
        StatusRuntimeException full =
            assertThrows(
                StatusRuntimeException.class,
                () -> stream(ch, m, hospitalB, "b.csv", 1024, 1024 * 1024));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.getStatus().getCode(), full.toString());
        assertTrue(
            full.getStatus().getDescription().contains("dataset 'b.csv' is larger than free disk"),
            full.toString());
        // Its partial file is gone, and what was accepted before is still there.
        assertTrue(size(work) < 64L * 1024 * 1024, "partial upload left " + size(work) + " bytes");
        refused(() -> algo(ch, m, lab, algorithm()), null, "algorithm was already received");
        refused(() -> data(ch, m, hospitalA, "a.csv", A), null, "was already received");
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      cvms.close();
    }
  }

  private AssemblyProcess startAgent(int port, Cvms cvms, Map<String, String> extra)
      throws Exception {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("AGENT_GRPC_HOST", "127.0.0.1");
    env.put("AGENT_GRPC_PORT", "" + port);
    env.put("AGENT_CVM_GRPC_URL", "127.0.0.1:" + cvms.port());
    env.put("AGENT_CVM_ID", "bad-input-cvm");
    env.put("AGENT_WORK_DIR", Files.createDirectories(tmp.resolve("agent-work")).toString());
    env.putAll(extra);
    AssemblyProcess agent = AssemblyProcess.start(ASSEMBLY, env);
    agent.awaitLine(l -> l.startsWith("Cocos agent started"), START);
    return agent;
  }

  /** Asserts a call is refused with a message naming the problem (and, if given, a code). */
  private static StatusRuntimeException refused(Executable call, Status.Code code, String message) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    String description = String.valueOf(e.getStatus().getDescription());
    assertTrue(description.contains(message), "expected '" + message + "' in: " + e.getStatus());
    if (code != null) {
      assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    }
    return e;
  }

  /** Asks for the result until the run has ended. */
  private static byte[] awaitResult(ManagedChannel ch, Manifest m, KeyPair consumer)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return result(ch, m, consumer);
      } catch (StatusRuntimeException e) {
        String d = String.valueOf(e.getStatus().getDescription());
        if (!d.contains("results are not ready") || System.nanoTime() > end) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }

  /** Sends the first bytes of a dataset, then cancels the call as a dying client would. */
  private static void cutOff(ManagedChannel ch, Manifest m, KeyPair key, String name, byte[] part)
      throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<DataRequest> out =
        ItSupport.stub(ch, headers(m, Operation.data(name), key)).data(ItSupport.completion(done));
    out.onNext(
        DataRequest.newBuilder().setFilename(name).setDataset(ByteString.copyFrom(part)).build());
    out.onError(Status.CANCELLED.withDescription("client died").asRuntimeException());
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> ItSupport.await(done));
    assertEquals(Status.Code.CANCELLED, e.getStatus().getCode());
  }

  /**
   * Streams {@code chunks} chunks of generated bytes as a dataset, only as fast as the agent takes
   * them (the test never holds more than a few chunks).
   */
  private static void stream(
      ManagedChannel ch, Manifest m, KeyPair key, String name, int chunks, int chunkBytes)
      throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    byte[] chunk = new byte[chunkBytes];
    for (int i = 0; i < chunk.length; i++) {
      chunk[i] = (byte) (i * 31);
    }
    ByteString bytes = ByteString.copyFrom(chunk);
    AgentServiceGrpc.newStub(ch)
        .withDeadlineAfter(120, TimeUnit.SECONDS)
        .withInterceptors(
            MetadataUtils.newAttachHeadersInterceptor(headers(m, Operation.data(name), key)))
        .data(
            new ClientResponseObserver<DataRequest, DataResponse>() {
              private int sent;

              @Override
              public void beforeStart(ClientCallStreamObserver<DataRequest> out) {
                out.setOnReadyHandler(
                    () -> {
                      while (out.isReady() && sent < chunks && !done.isDone()) {
                        out.onNext(
                            DataRequest.newBuilder().setFilename(name).setDataset(bytes).build());
                        if (++sent == chunks) {
                          out.onCompleted();
                        }
                      }
                    });
              }

              @Override
              public void onNext(DataResponse value) {}

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                done.complete(null);
              }
            });
    ItSupport.await(done);
  }

  private static long size(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .sorted(Comparator.reverseOrder())
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (java.io.IOException e) {
                  return 0; // removed meanwhile
                }
              })
          .sum();
    }
  }
}
