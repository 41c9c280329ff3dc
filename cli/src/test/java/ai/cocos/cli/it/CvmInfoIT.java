package ai.cocos.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/cocos-cli cvm-info} against the manager assembly ({@code bin/cocos-manager}) as a real
 * process, configured through CocosAI's variables: what it prints is what the operator configured.
 */
class CvmInfoIT {
  private static final Path REPO = Path.of(System.getProperty("cocos.repo")).normalize();

  @TempDir static Path dir;
  static Process manager;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb =
        new ProcessBuilder(REPO.resolve("bin/cocos-manager").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("manager.log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("MANAGER_") || k.startsWith("COCOS_"));
    pb.environment()
        .putAll(
            Map.of(
                "MANAGER_GRPC_HOST", "127.0.0.1",
                "MANAGER_GRPC_PORT", Integer.toString(port),
                "MANAGER_STATE_DIR", Files.createDirectories(dir.resolve("state")).toString(),
                "MANAGER_QEMU_OVMF_VERSION", "edk2-stable202408",
                "MANAGER_QEMU_SMP_COUNT", "2",
                "MANAGER_EOS_VERSION", "eos-it-1"));
    manager = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!listening(port)) {
      if (!manager.isAlive() || System.nanoTime() > deadline) {
        fail("the manager did not start: " + Files.readString(dir.resolve("manager.log")));
      }
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (manager != null) {
      manager.destroy();
      if (!manager.waitFor(20, TimeUnit.SECONDS)) {
        manager.destroyForcibly();
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

  @Test
  void reportsTheManagersConfiguration() throws Exception {
    Path log = dir.resolve("cli.log");
    ProcessBuilder pb =
        new ProcessBuilder(
                List.of(REPO.resolve("bin/cocos-cli").toString(), "cvm-info", "cvm-1", "--json"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("MANAGER_") || k.startsWith("AGENT_"));
    pb.environment().put("MANAGER_GRPC_URL", "127.0.0.1:" + port);
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("cocos-cli cvm-info did not finish in 60 s");
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    assertEquals(
        "{\"id\":\"cvm-1\",\"ovmf_version\":\"edk2-stable202408\",\"cpu_num\":2,"
            + "\"cpu_type\":\"host-process\",\"eos_version\":\"eos-it-1\"}\n",
        out);
  }
}
