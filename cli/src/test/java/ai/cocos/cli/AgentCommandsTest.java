package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.computation.Manifest;
import ai.cocos.crypto.Certificates;
import ai.cocos.crypto.DeterministicZip;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manifest.ManifestParser;
import ai.cocos.manifest.ManifestSignature;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code algo}, {@code data} and {@code result} against an in-test agent that verifies the v1
 * signatures for real.
 */
class AgentCommandsTest {
  static final String NL = System.lineSeparator();
  static final int MIB = 1024 * 1024;

  @TempDir static Path dir;
  static TestKeys.Party party;
  static Path manifestFile;
  static Manifest manifest;
  static Path algorithm;
  static Path datasetDir;

  FakeAgent agent;

  @BeforeAll
  static void manifest() throws Exception {
    party = TestKeys.party(dir.resolve("party"), KeyType.ECDSA);
    algorithm = Files.writeString(dir.resolve("lr.py"), "print('linear regression')\n");
    datasetDir = Files.createDirectories(dir.resolve("records"));
    Files.writeString(datasetDir.resolve("2024.csv"), "age,bp\n50,130\n");
    Files.createDirectories(datasetDir.resolve("old"));
    Files.writeString(datasetDir.resolve("old/2023.csv"), "age,bp\n60,140\n");
    manifestFile = dir.resolve("manifest.json");
    Run run =
        Run.of(
            "manifest",
            "create",
            "-o",
            manifestFile.toString(),
            "--id",
            "lr-2026-01",
            "--name",
            "LR",
            "--algorithm",
            algorithm.toString(),
            "--algorithm-key",
            party.publicFile().toString(),
            "--dataset",
            datasetDir + "/=" + party.publicFile(),
            "--consumer",
            party.publicFile().toString());
    assertEquals(0, run.exitCode(), run::toString);
    manifest = new ManifestParser().parse(Files.readAllBytes(manifestFile));
  }

  @BeforeEach
  void startAgent() throws Exception {
    agent =
        FakeAgent.start(
            null, manifest.id(), ManifestSignature.digest(manifest), party.pair().getPublic());
  }

  @AfterEach
  void stopAgent() throws Exception {
    agent.close();
  }

  Run run(Map<String, String> env, String... args) {
    return Run.with(env, args);
  }

  Run run(String... args) {
    Map<String, String> env = new HashMap<>(agent.env());
    env.put("COCOS_MANIFEST", manifestFile.toString());
    return Run.with(env, args);
  }

  static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

  // ------------------------------------------------------------------------------------- algo

  @Test
  void algoWithTypeArgsAndRequirementsIsSignedAndStreamed() throws Exception {
    Path req = Files.writeString(dir.resolve("requirements.txt"), "numpy==2.0\n");

    Run run =
        Run.with(
            agent.env(),
            "algo",
            algorithm.toString(),
            party.privateFile().toString(),
            "--manifest",
            manifestFile.toString(),
            "-a",
            "python",
            "--args",
            "--epochs",
            "--args=-5",
            "-r",
            req.toString());

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(List.of("algo"), agent.verified);
    assertArrayEquals(Files.readAllBytes(algorithm), agent.main.toByteArray());
    assertArrayEquals(Files.readAllBytes(req), agent.requirements.toByteArray());
    assertEquals(List.of("python"), agent.values("algo_type"));
    assertEquals(List.of("--epochs", "-5"), agent.values("algo_args"));
    assertTrue(run.out().startsWith("algorithm uploaded: " + algorithm), run::toString);
    assertTrue(run.err().contains("AGENT_GRPC_SERVER_CA_CERTS is not set"), run::toString);
  }

  @Test
  void algoWithoutTypeOrArgsSendsNeitherAndManifestComesFromTheEnvironment() {
    Run run = run("algo", algorithm.toString(), party.privateFile().toString(), "--json", "-q");

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(List.of("algo"), agent.verified);
    assertEquals(List.of(), agent.values("algo_type"));
    assertEquals(List.of(), agent.values("algo_args"));
    assertTrue(run.out().contains("\"bytes\""), run::toString);
  }

  @Test
  void withoutManifestIsAUsageError() {
    Run run = Run.with(agent.env(), "algo", algorithm.toString(), party.privateFile().toString());

    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(run.err().contains("give --manifest FILE"), run::toString);
  }

  @Test
  void sixtyFourMibStreamInOneMibChunks() throws Exception {
    Path big = dir.resolve("big.bin");
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    byte[] block = new byte[MIB];
    new Random(7).nextBytes(block);
    try (OutputStream out = Files.newOutputStream(big)) {
      for (int i = 0; i < 64; i++) {
        block[0] = (byte) i;
        out.write(block);
        sha.update(block);
      }
    }
    try {
      Run run = run("data", big.toString(), party.privateFile().toString());

      assertEquals(0, run.exitCode(), run::toString);
      assertEquals(64L * MIB, agent.mainBytes);
      assertArrayEquals(sha.digest(), agent.mainSha256);
      assertEquals(64, agent.chunkSizes.size());
      assertTrue(agent.chunkSizes.stream().allMatch(n -> n == MIB));
      assertEquals(List.of("data:big.bin"), agent.verified);
    } finally {
      Files.delete(big);
    }
  }

  // ------------------------------------------------------------------------------------- data

  @Test
  void dataFileIsSentUnderItsBaseName() throws Exception {
    Path csv = Files.writeString(dir.resolve("hospital-a.csv"), "age,bp\n40,120\n");

    Run run = run("data", csv.toString(), party.privateFile().toString());

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(List.of("data:hospital-a.csv"), agent.verified);
    assertArrayEquals(Files.readAllBytes(csv), agent.main.toByteArray());
    assertTrue(agent.filenames.stream().allMatch("hospital-a.csv"::equals));
    assertEquals(List.of(), agent.values("decompress"));

    Run decompress = run("data", csv.toString(), party.privateFile().toString(), "-d");
    assertEquals(0, decompress.exitCode(), decompress::toString);
    assertEquals(List.of("true"), agent.values("decompress"));
  }

  @Test
  void dataDirectoryIsSentAsItsDeterministicZip() throws Exception {
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    DeterministicZip.write(datasetDir, zip);

    Run run = run("data", datasetDir.toString(), party.privateFile().toString(), "--json");

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(List.of("data:records.zip"), agent.verified);
    assertArrayEquals(zip.toByteArray(), agent.main.toByteArray());
    assertEquals("records.zip", agent.filenames.get(0));
    assertEquals(List.of("true"), agent.values("decompress"));
  }

  // ----------------------------------------------------------------------------------- result

  @Test
  void resultIsWrittenCheckedAndNotOverwritten() throws Exception {
    byte[] zip = new byte[2 * MIB + 123];
    new Random(3).nextBytes(zip);
    agent.result = zip;
    agent.fileSizeHeader = Integer.toString(zip.length);
    Path out = Files.createDirectories(dir.resolve("out"));

    Run run = run("result", party.privateFile().toString(), "-o", out.toString());

    Path file = out.resolve("results.zip").toAbsolutePath();
    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(file + NL, run.out());
    assertArrayEquals(sha256(zip), sha256(Files.readAllBytes(file)));
    assertEquals(List.of("result"), agent.verified);
    assertFalse(Files.exists(out.resolve("results.zip.part")));

    Run again = run("result", party.privateFile().toString(), "-o", out.toString());
    assertEquals(1, again.exitCode(), again::toString);
    assertTrue(again.err().contains(file + " exists; give --force"), again::toString);

    agent.result = "new".getBytes(StandardCharsets.US_ASCII);
    agent.fileSizeHeader = "3";
    Run forced = run("result", party.privateFile().toString(), "-o", out.toString(), "--force");
    assertEquals(0, forced.exitCode(), forced::toString);
    assertEquals("new", Files.readString(file));
  }

  @Test
  void resultCreatesTheOutputDirectory() throws Exception {
    agent.result = "zip".getBytes(StandardCharsets.US_ASCII);
    agent.fileSizeHeader = "3";
    Path out = dir.resolve("new/nested");

    Run run = run("result", party.privateFile().toString(), "-o", out.toString());

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals("zip", Files.readString(out.resolve("results.zip")));
  }

  @Test
  void shortResultIsRefusedAndLeavesNothing() throws Exception {
    agent.result = new byte[1000];
    agent.fileSizeHeader = "2000";
    Path out = Files.createDirectories(dir.resolve("short"));

    Run run = run("result", party.privateFile().toString(), "-o", out.toString(), "-f", "r.zip");

    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(run.err().contains("announced 2000 bytes (file-size) but sent 1000"), run::toString);
    try (var files = Files.list(out)) {
      assertEquals(0, files.count());
    }
  }

  // ----------------------------------------------------------------------------------- errors

  @Test
  void eachRefusalIsExplained() {
    Map<Status, String> cases = new java.util.LinkedHashMap<>();
    cases.put(
        Status.UNAUTHENTICATED.withDescription("signature is stale"),
        "the agent refused the signature: signature is stale");
    cases.put(
        Status.PERMISSION_DENIED.withDescription("not the algorithm-provider key"),
        "the agent refused the signature: not the algorithm-provider key");
    cases.put(
        Status.FAILED_PRECONDITION.withDescription("state is Running"),
        "the agent is not ready for this: state is Running");
    cases.put(
        Status.ALREADY_EXISTS.withDescription("algorithm already uploaded"),
        "cannot upload the algorithm: the agent already has it: algorithm already uploaded");
    cases.put(
        Status.INVALID_ARGUMENT.withDescription("hash mismatch: expected aa, got bb"),
        "hash mismatch: expected aa, got bb");
    cases.put(Status.NOT_FOUND.withDescription("no such dataset"), "no such dataset");
    cases.put(
        Status.RESOURCE_EXHAUSTED.withDescription("larger than 1 GiB"),
        "too large for the agent: larger than 1 GiB");
    for (Map.Entry<Status, String> c : cases.entrySet()) {
      agent.failWith = c.getKey();
      Run run = run("algo", algorithm.toString(), party.privateFile().toString());
      assertEquals(1, run.exitCode(), run::toString);
      assertTrue(run.err().contains(c.getValue() + NL), c.getKey() + ": " + run);
    }
    agent.failWith = Status.FAILED_PRECONDITION.withDescription("no results yet");
    Run result = run("result", party.privateFile().toString(), "-o", dir.toString());
    assertEquals(1, result.exitCode(), result::toString);
    assertTrue(result.err().contains("the agent is not ready for this: no results yet"));
  }

  @Test
  void aKeyTheManifestDoesNotNameFailsTheRealCheck() throws Exception {
    TestKeys.Party other = TestKeys.party(dir.resolve("other"), KeyType.ED25519);

    Run run = run("algo", algorithm.toString(), other.privateFile().toString());

    assertEquals(1, run.exitCode(), run::toString);
    assertEquals(List.of("BAD algo"), agent.verified);
    assertTrue(run.err().contains("the agent refused the signature: bad signature"), run::toString);
  }

  @Test
  void nothingListening() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Run run =
        run(
            Map.of("AGENT_GRPC_URL", "127.0.0.1:" + port),
            "data",
            algorithm.toString(),
            party.privateFile().toString(),
            "--manifest",
            manifestFile.toString());

    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(
        run.err().contains("cannot reach the agent at 127.0.0.1:" + port + ": "), run::toString);
  }

  // -------------------------------------------------------------------------------------- TLS

  @Test
  void tlsWithTheCaFromTheEnvironment() throws Exception {
    KeyPair caKeys = PemKeys.generate(KeyType.ECDSA);
    X509Certificate ca = Certificates.selfSignedCa("Test CA", caKeys, Duration.ofDays(1));
    KeyPair serverKeys = PemKeys.generate(KeyType.ECDSA);
    X509Certificate cert =
        Certificates.issue(
            ca,
            caKeys.getPrivate(),
            "agent",
            serverKeys.getPublic(),
            List.of("localhost"),
            List.of(InetAddress.getByName("127.0.0.1")),
            Duration.ofDays(1));
    Path caFile = Files.writeString(dir.resolve("agent-ca.pem"), Certificates.toPem(ca));
    agent.close();
    agent =
        FakeAgent.start(
            GrpcSslContexts.configure(
                    SslContextBuilder.forServer(serverKeys.getPrivate(), cert), SslProvider.JDK)
                .build(),
            manifest.id(),
            ManifestSignature.digest(manifest),
            party.pair().getPublic());

    Map<String, String> env = new HashMap<>(agent.env());
    env.put("AGENT_GRPC_SERVER_CA_CERTS", caFile.toString());
    Run run =
        run(
            env,
            "algo",
            algorithm.toString(),
            party.privateFile().toString(),
            "--manifest",
            manifestFile.toString());

    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(List.of("algo"), agent.verified);
    assertFalse(run.err().contains("not encrypted"), run::toString);
  }
}
