package ai.cocos.tee.vtpm.internal;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real software TPM (swtpm, installed by {@code scripts/setup.d/35-swtpm.sh}) started for a test
 * in socket mode, speaking raw TPM 2.0 commands on a Unix socket. Missing swtpm fails when {@code
 * CI} is set and skips otherwise.
 */
public final class Swtpm implements AutoCloseable {
  private final Process process;
  private final Path dir;
  private final Path socket;

  private Swtpm(Process process, Path dir, Path socket) {
    this.process = process;
    this.dir = dir;
    this.socket = socket;
  }

  /**
   * Starts swtpm with a fresh state folder, powered on and started (TPM2_Startup(CLEAR)).
   *
   * @param dir an empty folder for the TPM's state and sockets
   * @return the running TPM
   * @throws Exception if it does not come up within 10 s
   */
  public static Swtpm start(Path dir) throws Exception {
    String swtpm = find();
    Path sock = dir.resolve("tpm.sock");
    Path ctrl = dir.resolve("ctrl.sock");
    Path state = Files.createDirectories(dir.resolve("state"));
    Process p =
        new ProcessBuilder(
                swtpm,
                "socket",
                "--tpm2",
                "--tpmstate",
                "dir=" + state,
                "--server",
                "type=unixio,path=" + sock,
                "--ctrl",
                "type=unixio,path=" + ctrl,
                "--flags",
                "not-need-init,startup-clear")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("swtpm.log").toFile())
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!accepts(sock)) {
      if (!p.isAlive()) {
        throw new IOException(
            "swtpm exited with "
                + p.exitValue()
                + ": "
                + Files.readString(dir.resolve("swtpm.log")));
      }
      if (System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IOException("swtpm did not create " + sock + " within 10 s");
      }
      Thread.sleep(20);
    }
    return new Swtpm(p, dir, sock);
  }

  /**
   * Manufactures a TPM state as a host does for a VM, then starts swtpm on it: {@code swtpm_setup
   * --create-ek-cert} with the given PCR banks, the EK certificate signed by a local CA created in
   * {@code dir/ca} ({@code swtpm_localca}'s root {@code swtpm-localca-rootca-cert.pem} and
   * intermediate {@code issuercert.pem}). Missing tools fail under {@code CI}, skip otherwise.
   *
   * @param dir an empty folder
   * @param banks PCR banks to allocate, e.g. {@code sha256,sha384}
   * @return the running TPM
   * @throws Exception if manufacturing or start fails
   */
  public static Swtpm manufactured(Path dir, String banks) throws Exception {
    find();
    String setup = tool("swtpm_setup");
    String localca = tool("swtpm_localca");
    Path ca = Files.createDirectories(dir.resolve("ca"));
    Path state = Files.createDirectories(dir.resolve("state"));
    Path caConf = dir.resolve("localca.conf");
    Files.writeString(
        caConf,
        "statedir = "
            + ca
            + "\nsigningkey = "
            + ca.resolve("signkey.pem")
            + "\nissuercert = "
            + ca.resolve("issuercert.pem")
            + "\ncertserial = "
            + ca.resolve("certserial")
            + "\n");
    Path options = dir.resolve("localca.options");
    Files.writeString(
        options, "--platform-manufacturer Cocos\n--platform-version 2.1\n--platform-model QEMU\n");
    Path conf = dir.resolve("swtpm_setup.conf");
    Files.writeString(
        conf,
        "create_certs_tool = "
            + localca
            + "\ncreate_certs_tool_config = "
            + caConf
            + "\ncreate_certs_tool_options = "
            + options
            + "\nactive_pcr_banks = "
            + banks
            + "\n");
    Process p =
        new ProcessBuilder(
                setup,
                "--tpm2",
                "--tpmstate",
                state.toString(),
                "--create-ek-cert",
                "--config",
                conf.toString(),
                "--pcr-banks",
                banks,
                "--overwrite")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("swtpm_setup.log").toFile())
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(
          "swtpm_setup failed: " + Files.readString(dir.resolve("swtpm_setup.log")));
    }
    return start(dir);
  }

  private static String tool(String name) {
    for (String d : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
      File f = new File(d, name);
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    String msg = name + " is not installed (scripts/setup.d/36-vtpm-tools.sh installs it)";
    if (System.getenv("CI") != null) {
      fail(msg);
    }
    assumeTrue(false, msg);
    return null;
  }

  /** The socket file appears before swtpm listens: ready means a connection is accepted. */
  private static boolean accepts(Path sock) {
    if (!Files.exists(sock)) {
      return false;
    }
    try (java.nio.channels.SocketChannel ch =
        java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      return ch.connect(java.net.UnixDomainSocketAddress.of(sock));
    } catch (IOException e) {
      return false;
    }
  }

  private static String find() {
    for (String d : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
      File f = new File(d, "swtpm");
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    String msg = "swtpm is not installed (scripts/setup.d/35-swtpm.sh installs it)";
    if (System.getenv("CI") != null) {
      fail(msg);
    }
    assumeTrue(false, msg);
    return null;
  }

  /**
   * The address the provider's {@code device} setting takes.
   *
   * @return {@code unix:<socket>}
   */
  public String address() {
    return "unix:" + socket;
  }

  /**
   * The state folder.
   *
   * @return the folder given to {@link #start}
   */
  public Path dir() {
    return dir;
  }

  @Override
  public void close() throws IOException {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
