package ai.cocos.core.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AssemblyTest {
  @TempDir Path dir;

  static Path jar(Path file, Map<String, String> headers) throws Exception {
    Manifest mf = new Manifest();
    mf.getMainAttributes().putValue("Manifest-Version", "1.0");
    headers.forEach(mf.getMainAttributes()::putValue);
    Files.createDirectories(file.getParent());
    try (OutputStream os = Files.newOutputStream(file);
        JarOutputStream out = new JarOutputStream(os, mf)) {
      // a manifest is enough
    }
    return file;
  }

  @BeforeEach
  void layout() throws Exception {
    Files.writeString(
        dir.resolve("assembly.properties"), "name=agent\nrunners.env=AGENT_RUNNERS\n");
    jar(dir.resolve("bundles/a.jar"), Map.of("Bundle-SymbolicName", "a"));
    jar(
        dir.resolve("runners/bin.jar"),
        Map.of("Bundle-SymbolicName", "r.bin", Assembly.RUNNER_TYPE_HEADER, "bin"));
    jar(
        dir.resolve("runners/wasm.jar"),
        Map.of("Bundle-SymbolicName", "r.wasm", Assembly.RUNNER_TYPE_HEADER, "Wasm"));
  }

  @Test
  void selectsOnlyTheEnabledRunners() throws Exception {
    Assembly a = Assembly.load(dir);
    assertEquals(List.of("bin", "wasm"), List.copyOf(a.availableRunners().keySet()));
    assertEquals(2, a.enabledRunners(k -> null).size(), "unset: every runner shipped");
    assertEquals(
        List.of(dir.resolve("runners/wasm.jar")),
        a.enabledRunners(Map.of("AGENT_RUNNERS", " WASM , ")::get));
    assertEquals(List.of(), a.enabledRunners(Map.of("AGENT_RUNNERS", "none")::get));
    assertEquals(List.of(), a.enabledRunners(Map.of("AGENT_RUNNERS", "")::get));
  }

  @Test
  void anUnknownRunnerNamesItselfAndWhatIsAvailable() throws Exception {
    Assembly a = Assembly.load(dir);
    LaunchException e =
        assertThrows(
            LaunchException.class,
            () -> a.enabledRunners(Map.of("AGENT_RUNNERS", "bin,docker")::get));
    assertEquals(
        "AGENT_RUNNERS names runner 'docker', which this agent assembly does not ship"
            + " (available: bin, wasm)",
        e.getMessage());
  }

  @Test
  void aRunnerJarWithoutItsHeaderIsRejected() throws Exception {
    jar(dir.resolve("runners/odd.jar"), Map.of("Bundle-SymbolicName", "odd"));
    LaunchException e = assertThrows(LaunchException.class, () -> Assembly.load(dir));
    assertTrue(e.getMessage().contains("has no Cocos-Runner-Type header"), e.getMessage());
  }

  @Test
  void aFolderWithoutDescriptorSaysHowToBuild() {
    LaunchException e =
        assertThrows(LaunchException.class, () -> Assembly.load(dir.resolve("missing")));
    assertTrue(e.getMessage().contains("build first"), e.getMessage());
  }

  @Test
  void jvmOptionsSkipCommentsAndNameTheAssemblyFolder() throws Exception {
    Files.writeString(
        dir.resolve("jvm.options"),
        "# comment\n-XX:+UseSerialGC\n\n  -XX:SharedArchiveFile=${ASSEMBLY}/agent.jsa  # why\n");
    Assembly a = Assembly.load(dir);
    assertEquals(
        List.of("-XX:+UseSerialGC", "-XX:SharedArchiveFile=" + a.dir() + "/agent.jsa"),
        a.jvmOptions());
  }
}
