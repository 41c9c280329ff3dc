package ai.cocos.manager.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * An agent assembly laid out as the real one ({@code assembly.properties}, {@code jvm.options},
 * {@code launcher/*.jar}) whose launcher class {@code ai.cocos.core.launch.Main} is a tiny real
 * Java program, compiled once per test run: it records its environment, arguments, working folder
 * and {@code java.io.tmpdir} under {@code <assembly>/out/<AGENT_CVM_ID>.*}, prints 60 numbered
 * lines, listens on {@code AGENT_GRPC_PORT}, then behaves as {@code <assembly>/behaviour} says:
 *
 * <ul>
 *   <li>{@code sleep} (default): sleeps;
 *   <li>{@code exit}: prints "fake agent fails now" to standard error and exits with code 3;
 *   <li>{@code stubborn}: ignores SIGTERM (a shutdown hook that never ends);
 *   <li>{@code child}: starts {@code sleep 600}, records its PID in {@code <id>.child}, ignores
 *       SIGTERM.
 * </ul>
 *
 * It writes {@code <id>.ready} when set up.
 */
final class FakeAgentAssembly {
  private static final String SOURCE =
      """
      package ai.cocos.core.launch;

      import java.net.InetAddress;
      import java.net.ServerSocket;
      import java.nio.file.Files;
      import java.nio.file.Path;
      import java.nio.file.StandardCopyOption;
      import java.util.TreeMap;

      public class Main {
        public static void main(String[] args) throws Exception {
          Path assembly = Path.of(args[1]);
          String id = System.getenv("AGENT_CVM_ID");
          Path out = assembly.resolve("out");
          Files.createDirectories(out);
          StringBuilder env = new StringBuilder();
          new TreeMap<>(System.getenv()).forEach((k, v) -> env.append(k).append('=').append(v).append('\\n'));
          write(out.resolve(id + ".env"), env.toString());
          write(out.resolve(id + ".info"),
              "args=" + String.join(" ", args) + "\\n"
              + "cwd=" + Path.of("").toAbsolutePath() + "\\n"
              + "tmpdir=" + System.getProperty("java.io.tmpdir") + "\\n"
              + "assembly.property=" + System.getProperty("fake.assembly") + "\\n"
              + "pid=" + ProcessHandle.current().pid() + "\\n");
          for (int i = 1; i <= 60; i++) {
            System.out.println("fake agent line " + i);
          }
          System.out.flush();
          ServerSocket listener = new ServerSocket(
              Integer.parseInt(System.getenv("AGENT_GRPC_PORT")), 50, InetAddress.getLoopbackAddress());
          Path b = assembly.resolve("behaviour");
          String behaviour = Files.exists(b) ? Files.readString(b).trim() : "sleep";
          switch (behaviour) {
            case "exit" -> {
              System.err.println("fake agent fails now");
              System.exit(3);
            }
            case "stubborn" -> stubborn();
            case "child" -> {
              Process p = new ProcessBuilder("sleep", "600").start();
              write(out.resolve(id + ".child"), Long.toString(p.pid()));
              stubborn();
            }
            default -> { }
          }
          write(out.resolve(id + ".ready"), "ready");
          Thread.sleep(600_000);
          listener.close();
        }

        static void stubborn() {
          Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
              Thread.sleep(600_000);
            } catch (InterruptedException e) {
              // killed
            }
          }));
        }

        static void write(Path file, String text) throws Exception {
          Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
          Files.writeString(tmp, text);
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
      }
      """;

  private static Path jar;

  private FakeAgentAssembly() {}

  /**
   * Lays out a fake agent assembly.
   *
   * @param dir the assembly folder to create
   * @param behaviour what the fake agent does once set up
   * @return the folder
   */
  static Path create(Path dir, String behaviour) throws IOException {
    Files.createDirectories(dir.resolve("launcher"));
    Files.createDirectories(dir.resolve("bundles"));
    Files.writeString(dir.resolve("assembly.properties"), "name=agent\n");
    Files.writeString(
        dir.resolve("jvm.options"),
        """
        # Like the real assembly's: one option per line, ${ASSEMBLY} for the folder.
        -XX:+UseSerialGC
        -XX:TieredStopAtLevel=1
        -Xshare:auto
        -Dfake.assembly=${ASSEMBLY}   # substituted by the backend
        """);
    Files.writeString(dir.resolve("behaviour"), behaviour);
    Files.copy(launcherJar(), dir.resolve("launcher").resolve("fake-agent.jar"));
    return dir;
  }

  private static synchronized Path launcherJar() throws IOException {
    if (jar != null) {
      return jar;
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IllegalStateException("the tests need a JDK (javax.tools), not a JRE");
    }
    Path work = Files.createTempDirectory("fake-agent-");
    Path src = work.resolve("src/ai/cocos/core/launch/Main.java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, SOURCE);
    Path classes = Files.createDirectories(work.resolve("classes"));
    int rc = javac.run(null, null, null, "-d", classes.toString(), src.toString());
    if (rc != 0) {
      throw new IllegalStateException("the fake agent does not compile");
    }
    Path out = work.resolve("fake-agent.jar");
    try (OutputStream os = Files.newOutputStream(out);
        JarOutputStream jos = new JarOutputStream(os);
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        jos.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        jos.write(Files.readAllBytes(f));
        jos.closeEntry();
      }
    }
    jar = out;
    return jar;
  }

  /** What the fake agent of a CVM recorded, once it has. */
  static List<String> lines(Path assembly, String cvmId, String suffix) throws IOException {
    return Files.readAllLines(
        assembly.resolve("out").resolve(cvmId + "." + suffix), StandardCharsets.UTF_8);
  }
}
