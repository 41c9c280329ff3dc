package ai.cocos.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attestation end to end with real processes: the agent assembly ({@code bin/cocos-agent}) with a
 * real software TPM (swtpm) as its vTPM, and {@code bin/cocos-cli attestation get}, {@code policy
 * create} and {@code validate}: evidence bound to a fresh nonce passes, the same evidence under
 * another nonce fails, and platforms this machine lacks are refused naming why. When the assembly
 * ships the emulated provider, its evidence passes an emulated policy and fails an SNP policy
 * saying "emulated, not a real TEE".
 */
class AttestationIT {
  private static final Path REPO = Path.of(System.getProperty("cocos.repo")).normalize();
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir static Path dir;
  static Process swtpm;
  static Process agent;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    String exe = null;
    for (String d : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
      if (new File(d, "swtpm").canExecute()) {
        exe = d + "/swtpm";
      }
    }
    if (exe == null) {
      String msg = "swtpm is not installed (scripts/setup.d/35-swtpm.sh installs it)";
      if (System.getenv("CI") != null) {
        fail(msg);
      }
      Assumptions.assumeTrue(false, msg);
    }
    Path sock = dir.resolve("tpm.sock");
    swtpm =
        new ProcessBuilder(
                exe,
                "socket",
                "--tpm2",
                "--tpmstate",
                "dir=" + Files.createDirectories(dir.resolve("tpm")),
                "--server",
                "type=unixio,path=" + sock,
                "--ctrl",
                "type=unixio,path=" + dir.resolve("ctrl.sock"),
                "--flags",
                "not-need-init,startup-clear")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("swtpm.log").toFile())
            .start();
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb =
        new ProcessBuilder(REPO.resolve("bin/cocos-agent").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("agent.log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("AGENT_") || k.startsWith("COCOS_"));
    pb.environment()
        .putAll(
            Map.of(
                "AGENT_GRPC_HOST",
                "127.0.0.1",
                "AGENT_GRPC_PORT",
                Integer.toString(port),
                "AGENT_WORK_DIR",
                Files.createDirectories(dir.resolve("work")).toString(),
                "AGENT_RUNNERS",
                "bin",
                "AGENT_VTPM_DEVICE",
                "unix:" + sock,
                "COCOS_COLLATERAL_CACHE",
                dir.resolve("agent-cache").toString()));
    agent = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!listening(port)) {
      if (!agent.isAlive() || System.nanoTime() > deadline) {
        fail("the agent did not start: " + Files.readString(dir.resolve("agent.log")));
      }
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (Process p : new Process[] {agent, swtpm}) {
      if (p != null) {
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
    }
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  record Cli(int status, String out) {}

  static Cli cli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(REPO.resolve("bin/cocos-cli").toString()));
    cmd.addAll(List.of(args));
    Path log = Files.createTempFile(dir, "cli-", ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("AGENT_") || k.startsWith("COCOS_"));
    pb.environment().put("AGENT_GRPC_URL", "127.0.0.1:" + port);
    pb.environment().put("COCOS_COLLATERAL_CACHE", dir.resolve("cli-cache").toString());
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("cocos-cli " + String.join(" ", args) + " did not finish in 60 s");
    }
    return new Cli(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  static String nonce(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** The policy {@code policy create} wrote, with the nonce of this request pinned. */
  static Path withNonce(Path policy, String nonce, String name) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(
        p,
        Files.readString(policy)
            .replace("\"vtpm\": {", "\"vtpm\": {\n    \"nonce\": \"" + nonce + "\","));
    return p;
  }

  @Test
  void vtpmEvidenceFromTheAgentVerifiesForItsNonceOnly() throws Exception {
    String n = nonce(32);
    Cli got = cli("attestation", "get", "vtpm", "--vtpm", n, "-o", "vtpm.json");
    assertEquals(0, got.status(), got.out());
    assertTrue(got.out().contains("vtpm evidence"), got.out());
    Cli policy =
        cli("attestation", "policy", "create", "vtpm", "--from", "vtpm.json", "-o", "vtpm-p.json");
    assertEquals(0, policy.status(), policy.out());

    Path fresh = withNonce(dir.resolve("vtpm-p.json"), n, "vtpm-fresh.json");
    Cli ok = cli("attestation", "validate", "vtpm.json", "--policy", fresh.toString(), "--offline");
    assertEquals(0, ok.status(), ok.out());
    assertTrue(ok.out().startsWith("PASS: vtpm evidence"), ok.out());

    Path replay = withNonce(dir.resolve("vtpm-p.json"), nonce(32), "vtpm-replay.json");
    Cli bad =
        cli("attestation", "validate", "vtpm.json", "--policy", replay.toString(), "--offline");
    assertEquals(1, bad.status(), bad.out());
    assertTrue(bad.out().contains("FAIL  vtpm.nonce"), bad.out());
  }

  @Test
  void platformsThisMachineLacksAreRefusedNamingWhy() throws Exception {
    Cli snp = cli("attestation", "get", "snp", "--tee", nonce(64), "-o", "snp.json");
    assertEquals(1, snp.status(), snp.out());
    assertTrue(snp.out().contains("not an SEV-SNP guest"), snp.out());
    assertTrue(Files.notExists(dir.resolve("snp.json")));
    Cli combined = cli("attestation", "get", "snp-vtpm", "--tee", nonce(64), "--vtpm", nonce(32));
    assertEquals(1, combined.status(), combined.out());
    assertTrue(combined.out().contains("attestation type not supported: 2"), combined.out());
  }

  @Test
  void emulatedEvidencePassesOnlyAnEmulatedPolicy() throws Exception {
    boolean shipped;
    try (Stream<Path> s = Files.list(REPO.resolve("agent-app/target/assembly/bundles"))) {
      shipped = s.anyMatch(p -> p.getFileName().toString().startsWith("cocos-tee-emulated"));
    }
    if (!shipped) {
      Cli refused = cli("attestation", "get", "emulated", "--tee", nonce(64), "-o", "emu.json");
      assertNotEquals(0, refused.status(), refused.out());
      assertTrue(
          refused.out().contains("no TEE provider for emulated is installed"), refused.out());
      Assumptions.assumeTrue(
          false, "this assembly does not ship cocos-tee-emulated: only its absence was checked");
    }
    String n = nonce(64);
    Cli got = cli("attestation", "get", "emulated", "--tee", n, "-o", "emu.json");
    assertEquals(0, got.status(), got.out());
    assertTrue(got.out().contains("emulated, not a real TEE"), got.out());
    Cli p =
        cli(
            "attestation",
            "policy",
            "create",
            "emulated",
            "--from",
            "emu.json",
            "-o",
            "emu-p.json");
    assertEquals(0, p.status(), p.out());
    Cli ok = cli("attestation", "validate", "emu.json", "--policy", "emu-p.json");
    assertEquals(0, ok.status(), ok.out());
    assertTrue(ok.out().contains("emulated, not a real TEE"), ok.out());

    Path snpPolicy = dir.resolve("snp-p.json");
    Files.writeString(
        snpPolicy,
        "{\"platform\": \"snp\", \"snp\": {\"measurements\": [\"" + "00".repeat(48) + "\"]}}");
    Cli bad =
        cli(
            "attestation",
            "validate",
            "emu.json",
            "--platform",
            "snp",
            "--policy",
            snpPolicy.toString());
    assertNotEquals(0, bad.status(), bad.out());
    assertTrue(bad.out().contains("emulated, not a real TEE"), bad.out());
  }
}
