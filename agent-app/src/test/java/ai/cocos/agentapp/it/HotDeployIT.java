package ai.cocos.agentapp.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import ai.cocos.api.lifecycle.LifecycleEvent;
import ai.cocos.api.lifecycle.LifecycleListener;
import ai.cocos.api.plugin.PluginInfo;
import ai.cocos.api.plugin.PluginRegistry;
import ai.cocos.api.runner.OutputSink;
import ai.cocos.api.runner.RunResult;
import ai.cocos.api.runner.RunSpec;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.WorkloadRunner;
import ai.cocos.api.transport.Transport;
import ai.cocos.core.launch.Assembly;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.ops4j.pax.exam.util.Filter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * Boots the agent assembly inside Felix (the same bundle set and configuration the launcher
 * installs) and hot-swaps a runner plugin through the deploy folder: install, update to a newer
 * version, roll back, uninstall; the framework is never restarted.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HotDeployIT {
  private static final String DEPLOY = "cocos.test.deployDir";
  private static final String V1 = "cocos.test.runnerV1";
  private static final String V2 = "cocos.test.runnerV2";
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Inject private BundleContext context;

  @Inject
  @Filter(timeout = 30_000)
  private PluginRegistry registry;

  @Inject
  @Filter(value = "(cocos.transport.endpoint=agent)", timeout = 30_000)
  private Transport transport;

  /** The agent assembly's bundles (no runners enabled), with hot deploy on a fresh folder. */
  @Configuration
  public Option[] config() throws Exception {
    Assembly assembly = Assembly.load(Path.of(System.getProperty("cocos.assembly.dir")));
    Path work = Files.createTempDirectory("cocos-hotdeploy-");
    Path staging = Files.createDirectories(work.resolve("staging"));
    Path runnerJar = assembly.availableRunners().get("bin");
    Path v1 = withVersion(runnerJar, "1.0.0", staging.resolve("runner-bin-1.0.0.jar"));
    Path v2 = withVersion(runnerJar, "2.0.0", staging.resolve("runner-bin-2.0.0.jar"));

    List<Option> options = new ArrayList<>();
    for (Path jar : assembly.bundles()) {
      options.add(bundle(jar.toUri().toString()));
    }
    Map<String, String> props = assembly.frameworkProperties(work.resolve("unused"));
    for (String key : List.of(Assembly.NAME_PROPERTY, Assembly.CONFIG_DIR_PROPERTY)) {
      options.add(frameworkProperty(key).value(props.get(key)));
    }
    options.add(
        frameworkProperty("cocos.env.AGENT_PLUGINS_DIR").value(work.resolve("deploy").toString()));
    options.add(frameworkProperty("cocos.env.AGENT_GRPC_HOST").value("127.0.0.1"));
    options.add(frameworkProperty("cocos.env.AGENT_GRPC_PORT").value("0"));
    // No computation management service here: its client stays off.
    options.add(frameworkProperty("cocos.env.AGENT_CVM_GRPC_URL").value(""));
    options.add(frameworkProperty(DEPLOY).value(work.resolve("deploy").toString()));
    options.add(frameworkProperty(V1).value(v1.toString()));
    options.add(frameworkProperty(V2).value(v2.toString()));
    // JUnit inside the framework: the bundles Maven fetched at build time (see the pom).
    try (var junit = Files.list(Path.of(System.getProperty("cocos.paxexam.bundles")))) {
      junit.sorted().forEach(jar -> options.add(bundle(jar.toUri().toString())));
    }
    options.add(cleanCaches());
    return options.toArray(Option[]::new);
  }

  /** A copy of a bundle jar with another Bundle-Version, as a vendor's newer build would be. */
  private static Path withVersion(Path jar, String version, Path target) throws IOException {
    try (JarFile in = new JarFile(jar.toFile())) {
      Manifest mf = new Manifest(in.getManifest());
      mf.getMainAttributes().putValue(Constants.BUNDLE_VERSION, version);
      try (OutputStream os = Files.newOutputStream(target);
          JarOutputStream out = new JarOutputStream(os, mf)) {
        for (JarEntry e : java.util.Collections.list(in.entries())) {
          if (e.getName().equalsIgnoreCase(JarFile.MANIFEST_NAME)) {
            continue;
          }
          out.putNextEntry(new JarEntry(e.getName()));
          try (InputStream is = in.getInputStream(e)) {
            is.transferTo(out);
          }
          out.closeEntry();
        }
      }
    }
    return target;
  }

  @Test
  public void runnerPluginIsInstalledUpdatedRolledBackAndRemovedWithoutRestart() throws Exception {
    Path deploy = Path.of(context.getProperty(DEPLOY));
    Path v1 = Path.of(context.getProperty(V1));
    Path v2 = Path.of(context.getProperty(V2));
    Bundle system = context.getBundle(0);
    long systemStarted = system.getLastModified();
    ServiceReference<Transport> transportRef = context.getServiceReference(Transport.class);
    Object transportId = transportRef.getProperty(Constants.SERVICE_ID);

    List<LifecycleEvent> events = new CopyOnWriteArrayList<>();
    ServiceRegistration<LifecycleListener> listener =
        context.registerService(LifecycleListener.class, events::add, null);
    try {
      // The assembly starts with no runner: a request for one gets a clear error.
      assertNotInstalled();

      // Drop v1: it is installed, offered, and serves.
      Files.copy(v1, deploy.resolve(v1.getFileName()));
      PluginInfo p1 = awaitRunner("1.0.0");
      assertEquals("ai.cocos.runner.binary", p1.bundle());
      assertEquals("hello from 1.0.0", runEcho("hello from 1.0.0"));
      long bundleId = bundleNamed("ai.cocos.runner.binary").getBundleId();

      // Drop v2 beside it: the same bundle is updated in place and v2 serves.
      Files.copy(v2, deploy.resolve(v2.getFileName()));
      awaitRunner("2.0.0");
      assertEquals(1, runnerEntries().size());
      assertEquals(bundleId, bundleNamed("ai.cocos.runner.binary").getBundleId());
      assertEquals("hello from 2.0.0", runEcho("hello from 2.0.0"));

      // Remove v2: the folder still holds v1, so the runner rolls back to it.
      Files.delete(deploy.resolve(v2.getFileName()));
      awaitRunner("1.0.0");

      // Remove v1: the bundle is uninstalled and the runner is gone.
      Files.delete(deploy.resolve(v1.getFileName()));
      await(() -> runnerEntries().isEmpty(), "runner 'bin' to go");
      assertNotInstalled();
      // The runner service leaves when the bundle stops, a moment before it is uninstalled.
      await(() -> bundleOrNull("ai.cocos.runner.binary") == null, "the runner bundle uninstalled");

      // A file that is not a bundle is reported and changes nothing.
      Path junk = deploy.resolve("not-a-bundle.jar");
      Files.writeString(junk, "this is not a jar");
      await(
          () -> events.stream().anyMatch(e -> e.type() == LifecycleEvent.Type.BUNDLE_FAILED),
          "a BUNDLE_FAILED event");
      Files.delete(junk);

      // Every step was published as a lifecycle event.
      List<LifecycleEvent.Type> types = events.stream().map(LifecycleEvent::type).toList();
      for (LifecycleEvent.Type t :
          List.of(
              LifecycleEvent.Type.BUNDLE_INSTALLED,
              LifecycleEvent.Type.PLUGIN_ADDED,
              LifecycleEvent.Type.BUNDLE_UPDATED,
              LifecycleEvent.Type.PLUGIN_REMOVED,
              LifecycleEvent.Type.BUNDLE_UNINSTALLED,
              LifecycleEvent.Type.BUNDLE_FAILED)) {
        assertTrue("expected a " + t + " event in " + types, types.contains(t));
      }
    } finally {
      listener.unregister();
    }

    // The framework was never restarted, and the endpoint kept serving throughout.
    assertSame(system, context.getBundle(0));
    assertEquals(Bundle.ACTIVE, system.getState());
    assertEquals(systemStarted, system.getLastModified());
    assertEquals(
        transportId,
        context.getServiceReference(Transport.class).getProperty(Constants.SERVICE_ID));
    assertEquals(Transport.HealthStatus.SERVING, transport.health(""));
  }

  private void assertNotInstalled() {
    try {
      registry.runner("bin");
      fail("runner 'bin' should not be installed");
    } catch (RunnerUnavailableException e) {
      assertEquals("runner 'bin' is not installed (installed: none)", e.getMessage());
    }
  }

  private List<PluginInfo> runnerEntries() {
    return registry.plugins().stream()
        .filter(p -> p.kind() == PluginInfo.Kind.RUNNER && p.id().equals("bin"))
        .toList();
  }

  private PluginInfo awaitRunner(String version) throws InterruptedException {
    await(
        () -> {
          List<PluginInfo> r = runnerEntries();
          return r.size() == 1 && r.get(0).active() && r.get(0).version().equals(version);
        },
        "runner 'bin' " + version + " (have " + runnerEntries() + ")");
    return runnerEntries().get(0);
  }

  /** Runs a tiny script through whichever runner serves 'bin' now and returns its output. */
  private String runEcho(String text) throws Exception {
    WorkloadRunner runner = registry.runner("bin");
    Path work = Files.createTempDirectory("cocos-run-");
    Path algo = work.resolve("algo.sh");
    Files.writeString(algo, "#!/bin/sh\necho \"$1\"\n");
    Files.setPosixFilePermissions(algo, PosixFilePermissions.fromString("rwx------"));
    Path datasets = Files.createDirectories(work.resolve("datasets"));
    Path results = Files.createDirectories(work.resolve("results"));
    List<String> out = new CopyOnWriteArrayList<>();
    OutputSink sink =
        (stream, line) -> {
          if (stream == OutputSink.Stream.STDOUT) {
            out.add(line);
          }
        };
    RunSpec spec =
        new RunSpec(
            "hot-deploy-it",
            algo,
            Optional.empty(),
            List.of(text),
            work,
            datasets,
            results,
            Duration.ofSeconds(30),
            Map.of());
    RunResult result =
        runner.start(spec, sink).result().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertTrue("run failed: " + result, result.succeeded());
    return String.join("\n", out);
  }

  private Bundle bundleNamed(String bsn) {
    Bundle b = bundleOrNull(bsn);
    if (b == null) {
      fail("no bundle " + bsn);
    }
    return b;
  }

  private Bundle bundleOrNull(String bsn) {
    for (Bundle b : context.getBundles()) {
      if (bsn.equals(b.getSymbolicName())) {
        return b;
      }
    }
    return null;
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void await(Condition c, String what) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (c.holds()) {
          return;
        }
      } catch (Exception e) {
        // not yet
      }
      Thread.sleep(25);
    }
    fail("timed out after " + WAIT + " waiting for " + what);
  }
}
