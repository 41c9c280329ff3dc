package ai.cocos.core.internal;

import ai.cocos.api.lifecycle.LifecycleEvent.Type;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.Version;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Watches a deploy folder and keeps the framework in step with it, without restarting the
 * framework.
 *
 * <p>The folder states what should run: for each bundle symbolic name, the jar with the highest
 * version (the newest file on a tie) is the one installed. So a jar dropped in is installed, a
 * newer one (under any file name) updates the bundle in place, deleting the newer file rolls back
 * to the older one still there, and deleting the last file uninstalls the bundle. A jar that
 * replaces one of the assembly's own bundles is restored from the assembly when it is removed. A
 * file is read only once it has been quiet for {@link DeployWatcherConfig#settleMillis()}, so a
 * half-copied jar is not installed; a file that is not a bundle is reported once and left alone.
 */
@Component(
    service = {},
    immediate = true,
    configurationPid = "ai.cocos.core.deploy",
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = DeployWatcherConfig.class)
public final class DeployWatcher {
  private static final Logger LOG = System.getLogger(DeployWatcher.class.getName());

  private final BundleContext context;
  private final LifecycleBus bus;
  private final Path dir;
  private final long pollMillis;
  private final long settleMillis;
  private final Thread thread;
  private final WatchService watch;

  /** What was last seen of one file. */
  private record Seen(long size, long modified, long firstSeenNanos, Jar jar, boolean reported) {}

  /** A readable bundle jar in the folder. */
  private record Jar(Path file, String bsn, Version version, long modified, String sha256) {}

  private final Map<Path, Seen> seen = new HashMap<>();

  /** Files seen before that are missing now, with the time they were first missed. */
  private final Map<Path, Long> vanished = new HashMap<>();

  /** Bundles this watcher installed or replaced: bundle id to what it came from. */
  private record Managed(Jar from, String assemblyLocation) {}

  private final Map<Long, Managed> managed = new HashMap<>();

  /**
   * Starts watching.
   *
   * @param context the core bundle's context
   * @param bus where lifecycle events go
   * @param config the folder and timings
   * @throws IOException if the folder cannot be created or watched
   */
  @Activate
  public DeployWatcher(
      BundleContext context, @Reference LifecycleBus bus, DeployWatcherConfig config)
      throws IOException {
    this.context = context;
    this.bus = bus;
    this.pollMillis = Math.max(50, config.pollMillis());
    this.settleMillis = Math.max(0, config.settleMillis());
    String folder = config.dir().trim();
    if (folder.isEmpty()) {
      this.dir = null;
      this.watch = null;
      this.thread = null;
      LOG.log(Level.DEBUG, "deploy folder not set: hot deploy is off");
      return;
    }
    this.dir = Path.of(folder).toAbsolutePath().normalize();
    Files.createDirectories(dir);
    this.watch = FileSystems.getDefault().newWatchService();
    dir.register(
        watch,
        StandardWatchEventKinds.ENTRY_CREATE,
        StandardWatchEventKinds.ENTRY_MODIFY,
        StandardWatchEventKinds.ENTRY_DELETE);
    this.thread = new Thread(this::loop, "cocos-deploy-watcher");
    thread.setDaemon(true);
    thread.start();
    LOG.log(Level.INFO, "watching deploy folder " + dir);
  }

  @Deactivate
  void deactivate() throws IOException, InterruptedException {
    if (thread == null) {
      return;
    }
    thread.interrupt();
    watch.close();
    thread.join(5_000);
  }

  private void loop() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        scan();
        var key = watch.poll(nextWait(), TimeUnit.MILLISECONDS);
        if (key != null) {
          key.pollEvents();
          key.reset();
        }
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      } catch (RuntimeException e) {
        LOG.log(Level.ERROR, "deploy folder scan failed", e);
      }
    }
  }

  /** Waits less while a changed file is settling, so it is picked up promptly. */
  private long nextWait() {
    return settling() ? Math.max(10, settleMillis / 2) : pollMillis;
  }

  /** Whether a file is changing or missing and has not been quiet for the settle time yet. */
  private boolean settling() {
    return !vanished.isEmpty()
        || seen.values().stream().anyMatch(s -> s.jar() == null && !s.reported());
  }

  /** Reads the folder and brings the framework in line with it. */
  synchronized void scan() {
    Set<Path> present = new HashSet<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".jar")).toList()) {
        present.add(f);
        observe(f);
      }
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot list deploy folder " + dir + ": " + e.getMessage());
      return;
    }
    // A file that vanished may be in the middle of a replace (delete, then write): it counts as
    // gone
    // only once it has stayed away for the settle time.
    long now = System.nanoTime();
    vanished.keySet().removeIf(present::contains);
    for (Path f : seen.keySet()) {
      if (!present.contains(f)) {
        vanished.putIfAbsent(f, now);
      }
    }
    for (var it = vanished.entrySet().iterator(); it.hasNext(); ) {
      var v = it.next();
      if (now - v.getValue() >= TimeUnit.MILLISECONDS.toNanos(settleMillis)) {
        seen.remove(v.getKey());
        it.remove();
      }
    }
    if (settling()) {
      // Reconcile only on a quiet folder, so a swap (new jar in, old jar out) is seen as one step.
      return;
    }
    reconcile();
  }

  private void observe(Path f) {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(f, BasicFileAttributes.class);
    } catch (IOException e) {
      return; // deleted meanwhile
    }
    long size = a.size();
    long modified = a.lastModifiedTime().toMillis();
    Seen s = seen.get(f);
    long now = System.nanoTime();
    if (s == null || s.size() != size || s.modified() != modified) {
      seen.put(f, new Seen(size, modified, now, null, false));
      return;
    }
    if (s.jar() != null || s.reported()) {
      return;
    }
    if (now - s.firstSeenNanos() < TimeUnit.MILLISECONDS.toNanos(settleMillis)) {
      return;
    }
    try {
      seen.put(f, new Seen(size, modified, s.firstSeenNanos(), read(f, modified), false));
    } catch (IOException | IllegalArgumentException e) {
      seen.put(f, new Seen(size, modified, s.firstSeenNanos(), null, true));
      bus.publish(
          Type.BUNDLE_FAILED,
          f.getFileName().toString(),
          "",
          "deploy: " + f.getFileName() + " is not an OSGi bundle: " + e.getMessage());
    }
  }

  private static Jar read(Path f, long modified) throws IOException {
    String bsn;
    Version version;
    try (JarFile jf = new JarFile(f.toFile())) {
      var mf = jf.getManifest();
      if (mf == null) {
        throw new IOException("no manifest");
      }
      String raw = mf.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
      if (raw == null || raw.isBlank()) {
        throw new IOException("no " + Constants.BUNDLE_SYMBOLICNAME + " header");
      }
      bsn = raw.split(";", 2)[0].trim();
      version = Version.parseVersion(mf.getMainAttributes().getValue(Constants.BUNDLE_VERSION));
    }
    return new Jar(f, bsn, version, modified, sha256(f));
  }

  private static String sha256(Path f) throws IOException {
    try (InputStream in = Files.newInputStream(f)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[64 * 1024];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void reconcile() {
    Map<String, Jar> desired = new HashMap<>();
    Comparator<Jar> order = Comparator.comparing(Jar::version).thenComparingLong(Jar::modified);
    for (Seen s : seen.values()) {
      if (s.jar() != null) {
        desired.merge(s.jar().bsn(), s.jar(), (x, y) -> order.compare(x, y) >= 0 ? x : y);
      }
    }
    for (Jar want : desired.values()) {
      Bundle current = find(want.bsn());
      try {
        if (current == null) {
          install(want);
        } else {
          Managed m = managed.get(current.getBundleId());
          boolean same = m != null && m.from().sha256().equals(want.sha256());
          if (!same) {
            update(current, want, m);
          }
        }
      } catch (BundleException | IOException | RuntimeException e) {
        bus.publish(
            Type.BUNDLE_FAILED,
            want.bsn(),
            want.version().toString(),
            "deploy: "
                + want.file().getFileName()
                + " ("
                + want.bsn()
                + " "
                + want.version()
                + ") failed: "
                + e.getMessage());
        // Forget it so the next change of the file is tried again, and report only once.
        seen.computeIfPresent(
            want.file(),
            (k, s) -> new Seen(s.size(), s.modified(), s.firstSeenNanos(), null, true));
      }
    }
    for (var it = managed.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      Managed m = e.getValue();
      if (desired.containsKey(m.from().bsn()) || seen.containsKey(m.from().file())) {
        // Still wanted, or its file is still there but unreadable right now (being rewritten, or
        // replaced by something that is not a bundle): keep what runs, lose nothing.
        continue;
      }
      Bundle b = context.getBundle(e.getKey());
      it.remove();
      if (b == null) {
        continue;
      }
      try {
        if (m.assemblyLocation() != null) {
          restore(b, m);
        } else {
          uninstall(b, m);
        }
      } catch (BundleException | IOException | RuntimeException ex) {
        bus.publish(
            Type.BUNDLE_FAILED,
            m.from().bsn(),
            b.getVersion().toString(),
            "deploy: removing " + m.from().bsn() + " failed: " + ex.getMessage());
      }
    }
  }

  private Bundle find(String bsn) {
    for (Bundle b : context.getBundles()) {
      if (bsn.equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED) {
        return b;
      }
    }
    return null;
  }

  private void install(Jar jar) throws BundleException, IOException {
    Bundle b;
    try (InputStream in = Files.newInputStream(jar.file())) {
      b = context.installBundle("cocos-deploy:" + jar.file(), in);
    }
    managed.put(b.getBundleId(), new Managed(jar, null));
    startIfNotFragment(b);
    bus.publish(
        Type.BUNDLE_INSTALLED,
        jar.bsn(),
        b.getVersion().toString(),
        "deploy: installed "
            + jar.bsn()
            + " "
            + b.getVersion()
            + " from "
            + jar.file().getFileName());
  }

  private void update(Bundle b, Jar jar, Managed previous) throws BundleException, IOException {
    String before = b.getVersion().toString();
    String assemblyLocation = previous != null ? previous.assemblyLocation() : b.getLocation();
    try (InputStream in = Files.newInputStream(jar.file())) {
      b.update(in);
    }
    managed.put(b.getBundleId(), new Managed(jar, assemblyLocation));
    refreshIfPending(b);
    startIfNotFragment(b);
    bus.publish(
        Type.BUNDLE_UPDATED,
        jar.bsn(),
        b.getVersion().toString(),
        "deploy: updated "
            + jar.bsn()
            + " "
            + before
            + " -> "
            + b.getVersion()
            + " from "
            + jar.file().getFileName());
  }

  private void restore(Bundle b, Managed m) throws BundleException, IOException {
    String before = b.getVersion().toString();
    String loc = m.assemblyLocation();
    Path original =
        Path.of(java.net.URI.create(loc.startsWith("reference:") ? loc.substring(10) : loc));
    try (InputStream in = Files.newInputStream(original)) {
      b.update(in);
    }
    refreshIfPending(b);
    startIfNotFragment(b);
    bus.publish(
        Type.BUNDLE_UPDATED,
        m.from().bsn(),
        b.getVersion().toString(),
        "deploy: "
            + m.from().file().getFileName()
            + " removed; restored the assembly's "
            + m.from().bsn()
            + " "
            + b.getVersion()
            + " (was "
            + before
            + ")");
  }

  private void uninstall(Bundle b, Managed m) throws BundleException {
    String version = b.getVersion().toString();
    b.uninstall();
    refreshIfPending(b);
    bus.publish(
        Type.BUNDLE_UNINSTALLED,
        m.from().bsn(),
        version,
        "deploy: uninstalled "
            + m.from().bsn()
            + " "
            + version
            + " ("
            + m.from().file().getFileName()
            + " removed)");
  }

  /**
   * Refreshes only when an old revision is still wired to others; refreshing otherwise would only
   * restart the bundle a second time.
   */
  private void refreshIfPending(Bundle b) {
    FrameworkWiring wiring =
        context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
    if (wiring.getRemovalPendingBundles().contains(b)) {
      wiring.refreshBundles(List.of(b));
    }
  }

  private static void startIfNotFragment(Bundle b) throws BundleException {
    if (b.getState() != Bundle.UNINSTALLED && b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
      b.start();
    }
  }
}
