package ai.cocos.agentapp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agent.AuthzHeaders;
import ai.cocos.agent.Operation;
import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.AlgorithmSpec;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.core.launch.AssemblyProcess;
import ai.cocos.crypto.Certificates;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.crypto.Sha3;
import ai.cocos.proto.agent.AgentServiceGrpc;
import ai.cocos.proto.agent.AlgoRequest;
import ai.cocos.proto.agent.DataRequest;
import ai.cocos.proto.agent.ResultRequest;
import ai.cocos.proto.agent.ResultResponse;
import ai.cocos.proto.cvms.Algorithm;
import ai.cocos.proto.cvms.ClientStreamMessage;
import ai.cocos.proto.cvms.ComputationRunReq;
import ai.cocos.proto.cvms.Dataset;
import ai.cocos.proto.cvms.RunReqChunks;
import ai.cocos.proto.cvms.ServerStreamMessage;
import ai.cocos.proto.cvms.ServiceGrpc;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/**
 * The assembled agent as a real process, driven by a computation management service written here:
 * the run request arrives over {@code cvms.Service/Process}, the agent's endpoint restarts with the
 * manifest's TLS through ConfigurationAdmin (same port), the parties upload and download over TLS
 * through the real binary runner, and the endpoint returns to plaintext once the results are wiped.
 */
class AgentCvmsIT {
  private static final Path ASSEMBLY = Path.of(System.getProperty("cocos.assembly.dir"));
  private static final Duration START = Duration.ofSeconds(60);
  private static final byte[] ALGORITHM =
      "#!/bin/sh\ntr a-z A-Z < datasets/in.txt > results/out.txt\n"
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] DATA = "hello cocos\n".getBytes(StandardCharsets.UTF_8);

  @Test
  void aRunRequestSwitchesTheEndpointToTlsAndTheComputationRunsOverIt() throws Exception {
    KeyPair algoKey = PemKeys.generate(KeyType.ECDSA);
    KeyPair dataKey = PemKeys.generate(KeyType.ED25519);
    KeyPair consumerKey = PemKeys.generate(KeyType.ECDSA);
    KeyPair caKey = PemKeys.generate(KeyType.ECDSA);
    X509Certificate ca = Certificates.selfSignedCa("IT CA", caKey, Duration.ofDays(1));
    KeyPair agentKey = PemKeys.generate(KeyType.ECDSA);
    X509Certificate agentCert =
        Certificates.issue(
            ca,
            caKey.getPrivate(),
            "agent",
            agentKey.getPublic(),
            List.of("localhost"),
            List.of(InetAddress.getByName("127.0.0.1")),
            Duration.ofDays(1));
    Manifest m =
        new Manifest(
            "it-" + ProcessHandle.current().pid(),
            "in-framework",
            "",
            List.of(new DatasetSpec(sha3(DATA), pem(dataKey), "in.txt", false)),
            new AlgorithmSpec(sha3(ALGORITHM), pem(algoKey), "bin", List.of()),
            List.of(new ResultConsumer(pem(consumerKey))),
            new AgentConfig(
                0,
                Optional.of(Certificates.toPem(agentCert)),
                Optional.of(PemKeys.toPem(agentKey.getPrivate())),
                Optional.empty(),
                Optional.empty(),
                false));

    Cvms cvms = new Cvms();
    Path work = Files.createTempDirectory("cocos-agent-it-");
    int port = AssemblyProcess.freePort();
    try (AssemblyProcess agent =
        AssemblyProcess.start(
            ASSEMBLY,
            Map.of(
                "AGENT_GRPC_HOST",
                "127.0.0.1",
                "AGENT_GRPC_PORT",
                "" + port,
                "AGENT_CVM_GRPC_URL",
                "127.0.0.1:" + cvms.port(),
                "AGENT_CVM_ID",
                "it-cvm",
                "AGENT_WORK_DIR",
                work.toString()))) {
      agent.awaitLine(l -> l.startsWith("Cocos agent started"), START);
      await("the agent's stream", () -> cvms.stream != null);
      assertEquals(List.of("it-cvm"), cvms.jobIds);
      assertEquals(ServingStatus.SERVING, health(plaintext(port)));

      byte[] request = runReq(m).toByteArray();
      cvms.send(
          ServerStreamMessage.newBuilder()
              .setRunReqChunks(
                  RunReqChunks.newBuilder()
                      .setId(m.id())
                      .setData(ByteString.copyFrom(request))
                      .setIsLast(false))
              .build());
      cvms.send(
          ServerStreamMessage.newBuilder()
              .setRunReqChunks(RunReqChunks.newBuilder().setId(m.id()).setIsLast(true))
              .build());
      ClientStreamMessage answer = cvms.await(ClientStreamMessage::hasRunRes);
      assertEquals("", answer.getRunRes().getError(), agent.output());
      await(
          "the endpoint to log its restart with TLS",
          () -> agent.output().contains("gRPC endpoint 'agent' on 127.0.0.1:" + port + " (TLS)"));

      // Same port, TLS now: plaintext is refused, the parties' TLS client is served.
      ManagedChannel plain = plaintext(port);
      assertThrows(StatusRuntimeException.class, () -> health(plain));
      plain.shutdownNow();
      ManagedChannel tls =
          NettyChannelBuilder.forAddress("127.0.0.1", port)
              .sslContext(GrpcSslContexts.forClient().trustManager(ca).build())
              .build();
      try {
        assertEquals(ServingStatus.SERVING, health(tls));
        upload(tls, m, algoKey, dataKey);
        cvms.await(
            e -> e.hasAgentEvent() && e.getAgentEvent().getEventType().equals("ConsumingResults"));
        byte[] zip = result(tls, m, consumerKey);
        assertEquals("HELLO COCOS\n", unzip(zip).get("out.txt"));
      } finally {
        tls.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }

      // Served to its only consumer: wiped, and the endpoint is plaintext again.
      cvms.await(e -> e.hasAgentEvent() && e.getAgentEvent().getEventType().equals("Wiped"));
      ManagedChannel again = plaintext(port);
      try {
        await("plaintext again", () -> servesPlaintext(again));
      } finally {
        again.shutdownNow();
      }
      assertFalse(Files.exists(work.resolve("~endpoint-tls")), "TLS files left behind");
    } finally {
      cvms.server.shutdownNow();
      try (var files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  @Test
  void theClientIsOffWhenTheServiceUrlIsEmpty() throws Exception {
    try (AssemblyProcess agent =
        AssemblyProcess.start(
            ASSEMBLY,
            Map.of(
                "AGENT_GRPC_HOST", "127.0.0.1", "AGENT_GRPC_PORT", "0", "AGENT_CVM_GRPC_URL", ""),
            "plugins")) {
      assertEquals(0, agent.awaitExit(START), agent.output());
      assertTrue(agent.output().contains("computation management client is off"), agent.output());
    }
  }

  private static boolean servesPlaintext(ManagedChannel ch) {
    try {
      return health(ch) == ServingStatus.SERVING;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  private static void upload(ManagedChannel ch, Manifest m, KeyPair algo, KeyPair data)
      throws Exception {
    CompletableFuture<Void> a = new CompletableFuture<>();
    StreamObserver<AlgoRequest> algoOut =
        stub(ch, headers(m, Operation.algo(), algo)).algo(completion(a));
    algoOut.onNext(AlgoRequest.newBuilder().setAlgorithm(ByteString.copyFrom(ALGORITHM)).build());
    algoOut.onCompleted();
    a.get(30, TimeUnit.SECONDS);
    CompletableFuture<Void> d = new CompletableFuture<>();
    StreamObserver<DataRequest> dataOut =
        stub(ch, headers(m, Operation.data("in.txt"), data)).data(completion(d));
    dataOut.onNext(
        DataRequest.newBuilder()
            .setFilename("in.txt")
            .setDataset(ByteString.copyFrom(DATA))
            .build());
    dataOut.onCompleted();
    d.get(30, TimeUnit.SECONDS);
  }

  private static byte[] result(ManagedChannel ch, Manifest m, KeyPair consumer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Iterator<ResultResponse> it =
        AgentServiceGrpc.newBlockingStub(ch)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .withInterceptors(
                MetadataUtils.newAttachHeadersInterceptor(headers(m, Operation.result(), consumer)))
            .result(ResultRequest.getDefaultInstance());
    it.forEachRemaining(r -> out.writeBytes(r.getFile().toByteArray()));
    return out.toByteArray();
  }

  private static AgentServiceGrpc.AgentServiceStub stub(ManagedChannel ch, Metadata headers) {
    return AgentServiceGrpc.newStub(ch)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static <T> StreamObserver<T> completion(CompletableFuture<Void> done) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {}

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    };
  }

  private static Metadata headers(Manifest m, Operation op, KeyPair key) {
    try {
      Metadata md = new Metadata();
      AuthzHeaders.sign(m, op, key.getPrivate())
          .forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
      return md;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static ManagedChannel plaintext(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  private static ServingStatus health(ManagedChannel ch) {
    return HealthGrpc.newBlockingStub(ch)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService("agent").build())
        .getStatus();
  }

  private static Map<String, String> unzip(byte[] zip) throws Exception {
    Map<String, String> out = new java.util.TreeMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        out.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static Sha3Hash sha3(byte[] b) {
    return new Sha3Hash(Sha3.digest(b));
  }

  private static PublicKeyPem pem(KeyPair k) {
    return PublicKeyPem.of(k.getPublic().getEncoded());
  }

  /** The manager's conversion (RunRequests.toProto), for one dataset and consumer. */
  private static ComputationRunReq runReq(Manifest m) {
    DatasetSpec d = m.datasets().get(0);
    return ComputationRunReq.newBuilder()
        .setId(m.id())
        .setName(m.name())
        .addDatasets(
            Dataset.newBuilder()
                .setHash(ByteString.copyFrom(d.hash().bytes()))
                .setUserKey(ByteString.copyFrom(d.userKey().der()))
                .setFilename(d.filename()))
        .setAlgorithm(
            Algorithm.newBuilder()
                .setHash(ByteString.copyFrom(m.algorithm().hash().bytes()))
                .setUserKey(ByteString.copyFrom(m.algorithm().userKey().der()))
                .setAlgoType(m.algorithm().type()))
        .addResultConsumers(
            ai.cocos.proto.cvms.ResultConsumer.newBuilder()
                .setUserKey(ByteString.copyFrom(m.resultConsumers().get(0).userKey().der())))
        .setAgentConfig(
            ai.cocos.proto.cvms.AgentConfig.newBuilder()
                .setCertFile(m.agentConfig().certPem().orElseThrow())
                .setKeyFile(m.agentConfig().keyPem().orElseThrow()))
        .build();
  }

  private static void await(String what, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  /** A computation management service: records the agent's messages, sends it requests. */
  private static final class Cvms extends ServiceGrpc.ServiceImplBase {
    final List<ClientStreamMessage> received = new CopyOnWriteArrayList<>();
    final List<String> jobIds = new CopyOnWriteArrayList<>();
    final Server server;
    volatile StreamObserver<ServerStreamMessage> stream;

    Cvms() throws Exception {
      ServerInterceptor jobId =
          new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
              jobIds.add(headers.get(Metadata.Key.of("job-id", Metadata.ASCII_STRING_MARSHALLER)));
              return next.startCall(call, headers);
            }
          };
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(ServerInterceptors.intercept(this, jobId))
              .build()
              .start();
    }

    int port() {
      return server.getPort();
    }

    @Override
    public StreamObserver<ClientStreamMessage> process(StreamObserver<ServerStreamMessage> out) {
      stream = out;
      return new StreamObserver<>() {
        @Override
        public void onNext(ClientStreamMessage m) {
          received.add(m);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }

    synchronized void send(ServerStreamMessage m) {
      stream.onNext(m);
    }

    ClientStreamMessage await(Predicate<ClientStreamMessage> p) throws InterruptedException {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < end) {
        for (ClientStreamMessage m : received) {
          if (p.test(m)) {
            return m;
          }
        }
        Thread.sleep(20);
      }
      throw new AssertionError("no matching message; received " + received);
    }
  }
}
