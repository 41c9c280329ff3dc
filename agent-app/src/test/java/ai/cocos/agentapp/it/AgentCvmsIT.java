package ai.cocos.agentapp.it;

import static ai.cocos.agentapp.it.ItSupport.algo;
import static ai.cocos.agentapp.it.ItSupport.data;
import static ai.cocos.agentapp.it.ItSupport.health;
import static ai.cocos.agentapp.it.ItSupport.pem;
import static ai.cocos.agentapp.it.ItSupport.plaintext;
import static ai.cocos.agentapp.it.ItSupport.result;
import static ai.cocos.agentapp.it.ItSupport.serves;
import static ai.cocos.agentapp.it.ItSupport.sha3;
import static ai.cocos.agentapp.it.ItSupport.unzip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agentapp.it.ItSupport.Cvms;
import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.AlgorithmSpec;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.core.launch.AssemblyProcess;
import ai.cocos.crypto.Certificates;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.proto.cvms.ClientStreamMessage;
import ai.cocos.proto.cvms.ComputationRunReq;
import ai.cocos.proto.cvms.RunReqChunks;
import ai.cocos.proto.cvms.ServerStreamMessage;
import ai.cocos.transport.grpc.RunRequests;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
      ItSupport.await("the agent's stream", () -> cvms.stream != null);
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
      ItSupport.await(
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
        ItSupport.await("plaintext again", () -> servesPlaintext(again));
      } finally {
        again.shutdownNow();
      }
      assertFalse(Files.exists(work.resolve("~endpoint-tls")), "TLS files left behind");
    } finally {
      cvms.close();
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
    return serves(ch);
  }

  private static void upload(ManagedChannel ch, Manifest m, KeyPair algo, KeyPair data)
      throws Exception {
    algo(ch, m, algo, ALGORITHM);
    data(ch, m, data, "in.txt", DATA);
  }

  /** The manager's conversion (RunRequests.toProto), for one dataset and consumer. */
  private static ComputationRunReq runReq(Manifest m) {
    return RunRequests.toProto(m, new byte[0]);
  }
}
