package ai.cocos.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.agent.AlgorithmUpload;
import ai.cocos.agent.ComputationService;
import ai.cocos.agent.Operation;
import ai.cocos.api.plugin.PluginInfo;
import ai.cocos.api.plugin.PluginRegistry;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.WorkloadRunner;
import ai.cocos.api.tee.TeeProvider;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DS component: configuration, the registry lookup, and what bnd generated for it. */
class AgentRuntimeTest {
  private static final Path CLASSES = Path.of("target", "classes");

  @TempDir Path tmp;

  /** The configuration annotation with its defaults, some overridden. */
  static AgentRuntimeConfig config(Map<String, Object> overrides) {
    return (AgentRuntimeConfig)
        Proxy.newProxyInstance(
            AgentRuntimeConfig.class.getClassLoader(),
            new Class<?>[] {AgentRuntimeConfig.class},
            (proxy, method, args) -> {
              if (method.getName().equals("annotationType")) {
                return AgentRuntimeConfig.class;
              }
              return overrides.getOrDefault(method.getName(), method.getDefaultValue());
            });
  }

  static PluginRegistry registry(WorkloadRunner runner) {
    return new PluginRegistry() {
      @Override
      public List<PluginInfo> plugins() {
        return List.of();
      }

      @Override
      public WorkloadRunner runner(String type) throws RunnerUnavailableException {
        if (!type.equals(runner.type())) {
          throw RunnerUnavailableException.notInstalled(type, List.of(runner.type()));
        }
        return runner;
      }

      @Override
      public Optional<TeeProvider> teeProvider(String platform) {
        return Optional.empty();
      }

      @Override
      public List<TeeProvider> teeProviders() {
        return List.of();
      }
    };
  }

  @Test
  void defaultsAreTheSafeOnes() {
    AgentSettings s = AgentSettings.from(config(Map.of()));
    assertEquals(
        Path.of(System.getProperty("java.io.tmpdir"), "cocos-agent").toAbsolutePath().normalize(),
        s.workDir());
    assertFalse(s.legacyAuth());
    assertEquals(Duration.ofSeconds(300), s.authSkew());
    assertTrue(s.wipeOverwrite());
    assertTrue(s.directIo());
    assertTrue(s.diskReserveBytes() > 0);
    assertEquals(Duration.ofHours(24), s.runTimeout());
    assertEquals(Duration.ofHours(24), s.resultsTtl());
    assertEquals(AgentSettings.defaults(s.workDir()), s);
  }

  @Test
  void invalidValuesAreNamed() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> AgentSettings.from(config(Map.of("maxUploadBytes", 0L))));
    assertEquals("maxUploadBytes must be >= 1, got 0", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> AgentSettings.from(config(Map.of("authSkewSeconds", -1L))));
    assertEquals("authSkewSeconds must be >= 1, got -1", e.getMessage());
  }

  @Test
  void theActivatedComponentRunsAComputationWithTheRegistrysRunner() throws Exception {
    Map<String, Object> c = new HashMap<>();
    c.put("workDir", tmp.resolve("agent").toString());
    c.put("diskReserveBytes", 0L);
    c.put("legacyAuth", true);
    HoldingRunner runner = new HoldingRunner();
    AgentRuntime agent = new AgentRuntime(config(c), registry(runner));
    try {
      byte[] algo = TestSupport.utf8("#!/bin/sh\n");
      ai.cocos.api.computation.Manifest m =
          TestSupport.manifest(TestSupport.newId(), algo, List.of(), List.of());
      ComputationService comp = agent.start(m);
      assertTrue(Files.isDirectory(tmp.resolve("agent").resolve(m.id())));
      // Legacy mode came from the configuration.
      AlgorithmUpload u =
          comp.beginAlgorithm(
              comp.authorize(
                  Operation.algo(),
                  TestSupport.legacy(ai.cocos.agent.Role.ALGORITHM_PROVIDER, TestSupport.ALGO_KEY)),
              Optional.empty(),
              Optional.empty());
      u.write(algo);
      u.commit();
      long end = System.nanoTime() + 10_000_000_000L;
      while (runner.specs.isEmpty() && System.nanoTime() < end) {
        Thread.sleep(10);
      }
      assertEquals(1, runner.specs.size());
      assertEquals(Duration.ofHours(24), runner.specs.get(0).timeout());
    } finally {
      agent.deactivate();
    }
    assertFalse(Files.exists(tmp.resolve("agent").resolve("x")));
  }

  @Test
  void aManifestNoInstalledRunnerServesIsRefusedBeforeAnyUpload() throws Exception {
    Map<String, Object> c = new HashMap<>();
    c.put("workDir", tmp.resolve("agent").toString());
    AgentRuntime agent = new AgentRuntime(config(c), registry(new HoldingRunner()));
    try {
      ai.cocos.api.computation.Manifest bin =
          TestSupport.manifest(TestSupport.newId(), TestSupport.utf8("x"), List.of(), List.of());
      ai.cocos.api.computation.Manifest python =
          new ai.cocos.api.computation.Manifest(
              bin.id(),
              bin.name(),
              bin.description(),
              bin.datasets(),
              new ai.cocos.api.computation.AlgorithmSpec(
                  bin.algorithm().hash(), bin.algorithm().userKey(), "python", List.of()),
              bin.resultConsumers(),
              bin.agentConfig());
      ai.cocos.agent.AgentException e =
          assertThrows(ai.cocos.agent.AgentException.class, () -> agent.start(python));
      assertEquals(
          "manifest refused: its algorithm type 'python' cannot run on this agent: runner"
              + " 'python' is not installed (installed: "
              + new HoldingRunner().type()
              + ")",
          e.getMessage());
      assertTrue(agent.current().isEmpty(), "nothing was started");
      assertFalse(Files.exists(tmp.resolve("agent").resolve(python.id())));
    } finally {
      agent.deactivate();
    }
  }

  @Test
  void bndDeclaresTheComponentItsConfigurationAndTheExport() throws Exception {
    Attributes main;
    try (InputStream in = Files.newInputStream(CLASSES.resolve("META-INF/MANIFEST.MF"))) {
      main = new Manifest(in).getMainAttributes();
    }
    assertEquals("ai.cocos.agent", main.getValue("Bundle-SymbolicName"));
    assertTrue(main.getValue("Export-Package").startsWith("ai.cocos.agent;version=\"1.0.0\""));
    assertFalse(main.getValue("Export-Package").contains("ai.cocos.agent.internal"));
    String xml =
        Files.readString(CLASSES.resolve("OSGI-INF/ai.cocos.agent.internal.AgentRuntime.xml"));
    assertTrue(xml.contains("configuration-pid=\"" + AgentRuntime.PID + "\""), xml);
    assertTrue(xml.contains("<provide interface=\"ai.cocos.agent.Agent\"/>"), xml);
    assertTrue(xml.contains("interface=\"" + PluginRegistry.class.getName() + "\""), xml);
  }
}
