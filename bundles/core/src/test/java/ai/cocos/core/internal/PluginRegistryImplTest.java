package ai.cocos.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.lifecycle.LifecycleEvent;
import ai.cocos.api.plugin.PluginInfo;
import ai.cocos.api.runner.OutputSink;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.Workload;
import ai.cocos.api.runner.WorkloadRunner;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/** The registry's choices and refusals, with real service references from a real framework. */
class PluginRegistryImplTest {
  @TempDir Path tmp;
  private Framework framework;
  private BundleContext ctx;
  private LifecycleBus bus;
  private PluginRegistryImpl registry;
  private final List<LifecycleEvent> events = new CopyOnWriteArrayList<>();

  /** A runner that only says what it is; these tests never start a workload. */
  private record FakeHostRunner(String type, String missing) implements WorkloadRunner {
    @Override
    public void checkHost() throws RunnerUnavailableException {
      if (missing != null) {
        throw new RunnerUnavailableException(missing);
      }
    }

    @Override
    public Workload start(RunSpec spec, OutputSink output) {
      throw new UnsupportedOperationException("not started in these tests");
    }
  }

  @BeforeEach
  void start() throws Exception {
    Map<String, String> props = new HashMap<>();
    props.put("org.osgi.framework.storage", tmp.toString());
    props.put("org.osgi.framework.storage.clean", "onFirstInit");
    framework =
        ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow().newFramework(props);
    framework.start();
    ctx = framework.getBundleContext();
    bus = new LifecycleBus();
    bus.addListener(events::add);
    registry = new PluginRegistryImpl(bus);
  }

  @AfterEach
  void stop() throws Exception {
    bus.deactivate();
    framework.stop();
    framework.waitForStop(10_000);
  }

  @SuppressWarnings("unchecked")
  private ServiceReference<WorkloadRunner> register(
      WorkloadRunner runner, String typeProperty, int ranking) {
    Hashtable<String, Object> p = new Hashtable<>();
    p.put(WorkloadRunner.TYPE_PROPERTY, typeProperty);
    p.put(Constants.SERVICE_RANKING, ranking);
    return (ServiceReference<WorkloadRunner>)
        ctx.registerService(WorkloadRunner.class.getName(), runner, p).getReference();
  }

  @Test
  void theHighestRankingRunnerServesAndTheNextTakesOverWhenItLeaves() throws Exception {
    WorkloadRunner low = new FakeHostRunner("bin", null);
    WorkloadRunner high = new FakeHostRunner("bin", null);
    var lowRef = register(low, "bin", 0);
    var highRef = register(high, "bin", 10);
    registry.addRunner(low, lowRef);
    registry.addRunner(high, highRef);

    assertSame(high, registry.runner("bin"));
    assertEquals(2, registry.plugins().size());

    registry.removeRunner(high, highRef);
    assertSame(low, registry.runner("bin"));

    registry.removeRunner(low, lowRef);
    var e = assertThrows(RunnerUnavailableException.class, () -> registry.runner("bin"));
    assertEquals("runner 'bin' is not installed (installed: none)", e.getMessage());
  }

  @Test
  void notInstalledNamesTheRunnersThatAre() throws Exception {
    WorkloadRunner wasm = new FakeHostRunner("wasm", null);
    registry.addRunner(wasm, register(wasm, "wasm", 0));
    var e = assertThrows(RunnerUnavailableException.class, () -> registry.runner("docker"));
    assertEquals("runner 'docker' is not installed (installed: wasm)", e.getMessage());
  }

  /** A runner whose host lacks its engine until the test starts it. */
  private static final class LateEngineRunner implements WorkloadRunner {
    volatile boolean engineUp;

    @Override
    public String type() {
      return "docker";
    }

    @Override
    public void checkHost() throws RunnerUnavailableException {
      if (!engineUp) {
        throw new RunnerUnavailableException("no container engine answers at /run/docker.sock");
      }
    }

    @Override
    public Workload start(RunSpec spec, OutputSink output) {
      throw new UnsupportedOperationException("not started in these tests");
    }
  }

  @Test
  void aRunnerRefusedForItsHostIsAskedAgainWhenWantedAndServesOnceTheHostHasIt() throws Exception {
    LateEngineRunner docker = new LateEngineRunner();
    registry.addRunner(docker, register(docker, "docker", 0));
    var e = assertThrows(RunnerUnavailableException.class, () -> registry.runner("docker"));
    assertEquals(
        "runner 'docker' is installed but refused: no container engine answers at"
            + " /run/docker.sock",
        e.getMessage());

    docker.engineUp = true; // the operator starts the engine after the agent
    assertSame(docker, registry.runner("docker"));
    assertTrue(registry.plugins().get(0).active());
    assertEquals("", registry.plugins().get(0).detail());
  }

  @Test
  void aRunnerWhoseHostLacksSomethingIsRefusedWithTheReason() throws Exception {
    WorkloadRunner docker =
        new FakeHostRunner("docker", "no container engine at /run/podman/podman.sock");
    registry.addRunner(docker, register(docker, "docker", 0));

    PluginInfo info = registry.plugins().get(0);
    assertFalse(info.active());
    assertEquals("no container engine at /run/podman/podman.sock", info.detail());
    var e = assertThrows(RunnerUnavailableException.class, () -> registry.runner("docker"));
    assertEquals(
        "runner 'docker' is installed but refused: no container engine at"
            + " /run/podman/podman.sock",
        e.getMessage());
    // Events are delivered on the bus's own thread.
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (events.stream().noneMatch(ev -> ev.type() == LifecycleEvent.Type.PLUGIN_REFUSED)
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertTrue(
        events.stream().anyMatch(ev -> ev.type() == LifecycleEvent.Type.PLUGIN_REFUSED),
        events.toString());
  }

  @Test
  void aRunnerWhosePropertyDisagreesWithItsTypeIsRefused() throws Exception {
    WorkloadRunner liar = new FakeHostRunner("python", null);
    registry.addRunner(liar, register(liar, "bin", 0));

    assertThrows(RunnerUnavailableException.class, () -> registry.runner("python"));
    assertEquals(
        "service property cocos.runner.type=bin does not match type() 'python'",
        registry.plugins().get(0).detail());
  }
}
