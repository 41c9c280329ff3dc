package ai.cocos.agent.internal.grpc;

import static org.junit.jupiter.api.Assertions.fail;

import ai.cocos.agent.AuthzHeaders;
import ai.cocos.agent.Operation;
import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.AlgorithmSpec;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.crypto.Certificates;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.crypto.Sha3;
import ai.cocos.proto.cvms.ComputationRunReq;
import ai.cocos.proto.cvms.ServerStreamMessage;
import io.grpc.Metadata;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Real keys and certificates (made once per JVM), manifests, run requests as the manager sends
 * them, and small waiting helpers.
 */
final class GrpcTestSupport {
  static final KeyPair ALGO = PemKeys.generate(KeyType.ECDSA);
  static final KeyPair DATA_A = PemKeys.generate(KeyType.ED25519);
  static final KeyPair DATA_B = PemKeys.generate(KeyType.ECDSA);
  static final KeyPair CONSUMER = PemKeys.generate(KeyType.ECDSA);
  static final KeyPair STRANGER = PemKeys.generate(KeyType.ED25519);
  static final KeyPair OWNER = PemKeys.generate(KeyType.ECDSA);

  /** The CA the agent's certificate comes from (the parties trust it). */
  static final KeyPair CA_KEY = PemKeys.generate(KeyType.ECDSA);

  static final X509Certificate CA;

  /** The agent's TLS key and certificate for 127.0.0.1 and localhost. */
  static final KeyPair AGENT_KEY = PemKeys.generate(KeyType.ECDSA);

  static final X509Certificate AGENT_CERT;

  /** The CA client certificates must chain to under mutual TLS. */
  static final KeyPair CLIENT_CA_KEY = PemKeys.generate(KeyType.ECDSA);

  static final X509Certificate CLIENT_CA;

  /** A client certificate from {@link #CLIENT_CA}. */
  static final KeyPair CLIENT_KEY = PemKeys.generate(KeyType.ECDSA);

  static final X509Certificate CLIENT_CERT;

  /** A client certificate from the server CA, which mutual TLS does not accept. */
  static final X509Certificate ROGUE_CERT;

  static {
    try {
      Duration day = Duration.ofDays(1);
      CA = Certificates.selfSignedCa("Test agent CA", CA_KEY, day);
      List<InetAddress> loopback = List.of(InetAddress.getByName("127.0.0.1"));
      AGENT_CERT =
          Certificates.issue(
              CA,
              CA_KEY.getPrivate(),
              "agent",
              AGENT_KEY.getPublic(),
              List.of("localhost"),
              loopback,
              day);
      CLIENT_CA = Certificates.selfSignedCa("Test client CA", CLIENT_CA_KEY, day);
      CLIENT_CERT =
          Certificates.issue(
              CLIENT_CA,
              CLIENT_CA_KEY.getPrivate(),
              "party",
              CLIENT_KEY.getPublic(),
              List.of(),
              List.of(),
              day);
      ROGUE_CERT =
          Certificates.issue(
              CA, CA_KEY.getPrivate(), "rogue", CLIENT_KEY.getPublic(), List.of(), List.of(), day);
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  static final byte[] DATA_A_CSV = utf8("id,x\n1,10\n2,20\n");
  static final byte[] DATA_B_CSV = utf8("id,y\n1,7\n2,9\n");

  private static final AtomicInteger IDS = new AtomicInteger();

  private GrpcTestSupport() {}

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String newId() {
    return "grpc-" + ProcessHandle.current().pid() + "-" + IDS.incrementAndGet();
  }

  static PublicKeyPem pem(KeyPair k) {
    return PublicKeyPem.of(k.getPublic().getEncoded());
  }

  static Sha3Hash sha3(byte[] data) {
    return new Sha3Hash(Sha3.digest(data));
  }

  /** The agent's TLS from the manifest: its certificate and key, and a client CA for mTLS. */
  static AgentConfig tls(boolean mutual) {
    return new AgentConfig(
        0,
        Optional.of(Certificates.toPem(AGENT_CERT)),
        Optional.of(PemKeys.toPem(AGENT_KEY.getPrivate())),
        Optional.empty(),
        mutual ? Optional.of(Certificates.toPem(CLIENT_CA)) : Optional.empty(),
        false);
  }

  /** A manifest: the algorithm, a.csv (key A) and b.csv (key B), one consumer. */
  static Manifest manifest(String id, byte[] algorithm, List<String> args, AgentConfig config) {
    return new Manifest(
        id,
        "test " + id,
        "",
        List.of(
            new DatasetSpec(sha3(DATA_A_CSV), pem(DATA_A), "a.csv", false),
            new DatasetSpec(sha3(DATA_B_CSV), pem(DATA_B), "b.csv", false)),
        new AlgorithmSpec(sha3(algorithm), pem(ALGO), "bin", args),
        List.of(new ResultConsumer(pem(CONSUMER))),
        config);
  }

  /** v1 signed metadata for an operation, as the CLI sends it. */
  static Metadata signed(Manifest m, Operation op, KeyPair key) {
    try {
      Metadata md = new Metadata();
      AuthzHeaders.sign(m, op, key.getPrivate())
          .forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
      return md;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The manager's conversion of a manifest into CocosAI's run request. */
  static ComputationRunReq runReq(Manifest m, byte[] ownerSignature) {
    return ai.cocos.transport.grpc.RunRequests.toProto(m, ownerSignature);
  }

  /** A serialized run request cut as CocosAI's reference server does, with a given chunk size. */
  static List<ServerStreamMessage> chunks(String id, byte[] serialized, int chunkBytes) {
    return ai.cocos.transport.grpc.RunRequests.chunks(id, serialized, chunkBytes);
  }

  /** The entries of a zip, by name. */
  static Map<String, byte[]> unzip(byte[] zip) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (!e.isDirectory()) {
          out.put(e.getName(), in.readAllBytes());
        }
      }
    }
    return out;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Waits for a condition, failing with a description if it does not come. */
  static void await(String what, Duration timeout, BooleanSupplier condition) {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        fail("timed out after " + timeout + " waiting for " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted");
      }
    }
  }
}
