package ai.cocos.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.cocos.api.lifecycle.LifecycleEvent;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/** The deploy watcher against a real Felix framework and real files. */
class DeployWatcherTest {
  @TempDir Path tmp;
  private Framework framework;
  private BundleContext ctx;
  private LifecycleBus bus;
  private DeployWatcher watcher;
  private Path deploy;
  private final List<LifecycleEvent> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    Map<String, String> props = new HashMap<>();
    props.put("org.osgi.framework.storage", tmp.resolve("felix").toString());
    props.put("org.osgi.framework.storage.clean", "onFirstInit");
    props.put("felix.log.level", "1");
    framework =
        ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow().newFramework(props);
    framework.start();
    ctx = framework.getBundleContext();
    bus = new LifecycleBus();
    bus.addListener(events::add);
    deploy = tmp.resolve("deploy");
    watcher = new DeployWatcher(ctx, bus, config(deploy.toString()));
  }

  @AfterEach
  void stop() throws Exception {
    watcher.deactivate();
    bus.deactivate();
    framework.stop();
    framework.waitForStop(10_000);
  }

  private static DeployWatcherConfig config(String dir) {
    return (DeployWatcherConfig)
        Proxy.newProxyInstance(
            DeployWatcherConfig.class.getClassLoader(),
            new Class<?>[] {DeployWatcherConfig.class},
            (p, m, a) ->
                switch (m.getName()) {
                  case "dir" -> dir;
                  case "pollMillis" -> 100L;
                  case "settleMillis" -> 50L;
                  default -> m.getDefaultValue();
                });
  }

  private Path bundleJar(String file, String bsn, String version) throws Exception {
    return bundleJar(file, bsn, version, null);
  }

  private Path bundleJar(String file, String bsn, String version, String payload) throws Exception {
    Path staged = tmp.resolve("staging").resolve(file);
    Files.createDirectories(staged.getParent());
    Manifest mf = new Manifest();
    var a = mf.getMainAttributes();
    a.putValue("Manifest-Version", "1.0");
    a.putValue("Bundle-ManifestVersion", "2");
    a.putValue("Bundle-SymbolicName", bsn);
    a.putValue("Bundle-Version", version);
    try (OutputStream os = Files.newOutputStream(staged);
        JarOutputStream out = new JarOutputStream(os, mf)) {
      if (payload != null) {
        out.putNextEntry(new java.util.jar.JarEntry("payload.txt"));
        out.write(payload.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    return staged;
  }

  private void drop(Path staged) throws Exception {
    Files.copy(staged, deploy.resolve(staged.getFileName()), StandardCopyOption.REPLACE_EXISTING);
  }

  private Bundle find(String bsn) {
    for (Bundle b : ctx.getBundles()) {
      if (bsn.equals(b.getSymbolicName())) {
        return b;
      }
    }
    return null;
  }

  private static void await(BooleanSupplier c, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (c.getAsBoolean()) {
        return;
      }
      Thread.sleep(10);
    }
    fail("timed out waiting for " + what);
  }

  private String version(String bsn) {
    Bundle b = find(bsn);
    return b == null ? null : b.getVersion().toString();
  }

  @Test
  void installsUpdatesRollsBackAndUninstalls() throws Exception {
    Path v1 = bundleJar("plugin-1.jar", "x.plugin", "1.0.0");
    Path v2 = bundleJar("plugin-2.jar", "x.plugin", "2.0.0");

    drop(v1);
    await(() -> "1.0.0".equals(version("x.plugin")), "v1 installed");
    Bundle b = find("x.plugin");
    await(() -> b.getState() == Bundle.ACTIVE, "v1 started");
    long id = b.getBundleId();

    drop(v2);
    await(() -> "2.0.0".equals(version("x.plugin")), "v2 in place of v1");
    assertEquals(id, find("x.plugin").getBundleId(), "updated, not installed beside");

    Files.delete(deploy.resolve("plugin-2.jar"));
    await(() -> "1.0.0".equals(version("x.plugin")), "rolled back to v1");

    Files.delete(deploy.resolve("plugin-1.jar"));
    await(() -> find("x.plugin") == null, "uninstalled");

    // Events reach listeners on the bus's own thread, a moment after the framework changed.
    for (LifecycleEvent.Type t :
        List.of(
            LifecycleEvent.Type.BUNDLE_INSTALLED,
            LifecycleEvent.Type.BUNDLE_UPDATED,
            LifecycleEvent.Type.BUNDLE_UNINSTALLED)) {
      await(() -> events.stream().anyMatch(e -> e.type() == t), "a " + t + " event in " + events);
    }
  }

  @Test
  void aRebuiltJarOfTheSameVersionUpdatesAndAnUnchangedOneDoesNot() throws Exception {
    drop(bundleJar("p.jar", "x.same", "1.0.0"));
    await(() -> find("x.same") != null, "installed");
    long modified = find("x.same").getLastModified();
    Thread.sleep(400); // several scans of an unchanged folder
    assertEquals(modified, find("x.same").getLastModified(), "no update without a change");

    Path rebuilt = bundleJar("p.jar", "x.same", "1.0.0", "rebuilt");
    drop(rebuilt);
    await(
        () -> find("x.same") != null && find("x.same").getLastModified() != modified,
        "updated from the rebuilt jar");
    assertEquals("1.0.0", version("x.same"));
  }

  @Test
  void aJarOverwrittenWithGarbageKeepsTheRunningVersionUntilAGoodOneArrives() throws Exception {
    drop(bundleJar("keep.jar", "x.keep", "1.0.0"));
    await(() -> "1.0.0".equals(version("x.keep")), "installed");
    long id = find("x.keep").getBundleId();

    Files.writeString(deploy.resolve("keep.jar"), "half-written, or not a jar at all");
    await(
        () -> events.stream().anyMatch(e -> e.message().contains("keep.jar is not an OSGi bundle")),
        "the bad file reported");
    Thread.sleep(400); // several scans
    assertEquals("1.0.0", version("x.keep"), "the running version is kept");
    assertEquals(id, find("x.keep").getBundleId());

    drop(bundleJar("keep.jar", "x.keep", "1.1.0"));
    await(() -> "1.1.0".equals(version("x.keep")), "a good file updates it");
    assertEquals(id, find("x.keep").getBundleId());
  }

  @Test
  void aFileThatIsNotABundleIsReportedOnceAndChangesNothing() throws Exception {
    int before = ctx.getBundles().length;
    Files.writeString(deploy.resolve("junk.jar"), "not a zip");
    await(
        () -> events.stream().anyMatch(e -> e.type() == LifecycleEvent.Type.BUNDLE_FAILED),
        "a failure event");
    Thread.sleep(400);
    long failures =
        events.stream().filter(e -> e.type() == LifecycleEvent.Type.BUNDLE_FAILED).count();
    assertEquals(1, failures, "reported once, not on every scan");
    assertTrue(
        events.stream().anyMatch(e -> e.message().contains("junk.jar is not an OSGi bundle")),
        events.toString());
    assertEquals(before, ctx.getBundles().length);

    Path noBsn = tmp.resolve("plain.jar");
    Manifest mf = new Manifest();
    mf.getMainAttributes().putValue("Manifest-Version", "1.0");
    try (var out = new JarOutputStream(Files.newOutputStream(noBsn), mf)) {
      // a plain jar
    }
    drop(noBsn);
    await(
        () -> events.stream().anyMatch(e -> e.message().contains("no Bundle-SymbolicName header")),
        "the missing header named");
  }

  @Test
  void aReplacedAssemblyBundleIsRestoredWhenTheDroppedJarGoes() throws Exception {
    Path original = bundleJar("assembly-core.jar", "x.assembly", "1.0.0");
    Bundle b = ctx.installBundle("reference:" + original.toUri());
    b.start();

    drop(bundleJar("override.jar", "x.assembly", "1.1.0"));
    await(() -> "1.1.0".equals(version("x.assembly")), "override in place");
    assertEquals(b.getBundleId(), find("x.assembly").getBundleId());

    Files.delete(deploy.resolve("override.jar"));
    await(() -> "1.0.0".equals(version("x.assembly")), "assembly version restored");
    // update() makes the new revision visible before it restarts the bundle.
    await(() -> find("x.assembly").getState() == Bundle.ACTIVE, "restored bundle active again");
  }

  @Test
  void noFolderMeansOff() throws Exception {
    DeployWatcher off = new DeployWatcher(ctx, bus, config(""));
    off.deactivate();
    assertNull(find("x.plugin"));
  }
}
