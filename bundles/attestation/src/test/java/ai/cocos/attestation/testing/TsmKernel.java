package ai.cocos.attestation.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The kernel's side of configfs-tsm ({@code Documentation/ABI/testing/configfs-tsm}) over a real
 * folder, for tests of the providers' gathering code on a machine without a confidential guest.
 *
 * <p>The folder on disk is laid out as the kernel lays out {@code /sys/kernel/config/tsm/report};
 * {@link #reportDir()} is the same folder seen through a file system that adds what the kernel does
 * on each operation, synchronously as configfs does (a watcher thread would race the provider,
 * which reads the attributes right after its {@code mkdir}):
 *
 * <ul>
 *   <li>{@code mkdir report/<entry>} creates the attributes {@code inblob} (write-only, at most 64
 *       bytes), {@code outblob}, {@code auxblob}, {@code provider}, {@code generation}, {@code
 *       privlevel} (0-3, at least {@code privlevel_floor}) and {@code privlevel_floor};
 *   <li>each write of {@code inblob} or {@code privlevel} increments {@code generation};
 *   <li>reading {@code outblob} or {@code auxblob} after a change asks the "firmware" (the test's
 *       {@link Firmware}) for the report of the current {@code inblob} and {@code privlevel};
 *   <li>{@code rmdir} of the entry removes its attributes with it; attributes cannot be removed one
 *       by one, and read-only ones cannot be written.
 * </ul>
 *
 * The provider's code runs unchanged: it is given {@link #reportDir()} as its report folder.
 */
public final class TsmKernel implements AutoCloseable {
  /** The kernel's bound on {@code inblob} ({@code TSM_INBLOB_MAX}). */
  public static final int INBLOB_MAX = 64;

  /** What the firmware answers a report request with. */
  public record Answer(byte[] outblob, byte[] auxblob) {}

  /** The platform's report generation, as the kernel's TSM provider calls it. */
  @FunctionalInterface
  public interface Firmware {
    /**
     * Produces the report for a request.
     *
     * @param inblob the entry's {@code inblob}
     * @param privlevel the entry's {@code privlevel}
     * @return the report and auxiliary data
     * @throws IOException as the kernel's read of {@code outblob} would fail (e.g. EIO)
     */
    Answer report(byte[] inblob, int privlevel) throws IOException;
  }

  private static final List<String> ATTRIBUTES =
      List.of(
          "inblob", "outblob", "auxblob", "provider", "generation", "privlevel", "privlevel_floor");
  private static final Set<String> WRITABLE = Set.of("inblob", "privlevel");

  private final Path folder;
  private final String provider;
  private final int privlevelFloor;
  private final Firmware firmware;
  private final KernelFs fs;
  private final Map<Path, Entry> entries = new ConcurrentHashMap<>();
  private final List<byte[]> requests = new CopyOnWriteArrayList<>();
  private volatile Runnable beforeOutblob = () -> {};

  private static final class Entry {
    int generation;
    boolean stale = true;
    int privlevel;
  }

  private TsmKernel(Path folder, String provider, int privlevelFloor, Firmware firmware) {
    this.folder = folder;
    this.provider = provider;
    this.privlevelFloor = privlevelFloor;
    this.firmware = firmware;
    this.fs = new KernelFs(new KernelFsProvider(), folder.getFileSystem());
  }

  /**
   * Lays out the report folder (as loading the tsm module does) and starts answering.
   *
   * @param folder the folder to lay out (created if missing)
   * @param provider the TSM provider's name ({@code sev_guest}, {@code tdx_guest})
   * @param privlevelFloor the lowest privilege level the guest may ask for (its VMPL under SNP)
   * @param firmware what the platform answers
   * @return the kernel
   * @throws IOException if the folder cannot be created
   */
  public static TsmKernel start(Path folder, String provider, int privlevelFloor, Firmware firmware)
      throws IOException {
    Files.createDirectories(folder);
    return new TsmKernel(folder.toAbsolutePath(), provider, privlevelFloor, firmware);
  }

  /**
   * The report folder as a provider sees it: give this to its settings.
   *
   * @return the folder, on the kernel-emulating file system
   */
  public Path reportDir() {
    return new KernelPath(fs, folder);
  }

  /**
   * The folder on disk.
   *
   * @return the folder
   */
  public Path folder() {
    return folder;
  }

  /**
   * The {@code inblob} of every report generated, in order.
   *
   * @return the requests the firmware answered
   */
  public List<byte[]> requests() {
    return List.copyOf(requests);
  }

  /**
   * Runs an action each time {@code outblob} is opened, after the report was generated (e.g. a
   * second process writing {@code inblob}, as the generation check must catch).
   *
   * @param action the action
   */
  public void beforeOutblob(Runnable action) {
    this.beforeOutblob = Objects.requireNonNull(action);
  }

  /**
   * What another process writing the entry's {@code inblob} does: the generation moves.
   *
   * @param entry the entry folder (on disk or as the provider sees it)
   * @param inblob the other process's report data
   * @throws IOException if the write fails
   */
  public void writeInblob(Path entry, byte[] inblob) throws IOException {
    Path e = real(entry);
    Files.write(e.resolve("inblob"), inblob);
    changed(e);
  }

  @Override
  public void close() {
    entries.clear();
  }

  // ------------------------------------------------------------------------ the kernel's part

  private static Path real(Path p) {
    return p instanceof KernelPath k ? k.delegate : p;
  }

  private boolean isEntry(Path real) {
    return real.getParent() != null && real.getParent().equals(folder);
  }

  private boolean isAttribute(Path real) {
    return real.getParent() != null
        && isEntry(real.getParent())
        && ATTRIBUTES.contains(real.getFileName().toString());
  }

  private void mkdir(Path entry) throws IOException {
    Files.createDirectory(entry);
    for (String a : ATTRIBUTES) {
      Files.createFile(entry.resolve(a));
    }
    Files.writeString(entry.resolve("provider"), provider + "\n");
    Files.writeString(entry.resolve("generation"), "0\n");
    Files.writeString(entry.resolve("privlevel"), "0\n");
    Files.writeString(entry.resolve("privlevel_floor"), privlevelFloor + "\n");
    entries.put(entry, new Entry());
  }

  private void rmdir(Path entry) throws IOException {
    for (String a : ATTRIBUTES) {
      Files.deleteIfExists(entry.resolve(a));
    }
    Files.delete(entry);
    entries.remove(entry);
  }

  private synchronized void changed(Path entry) throws IOException {
    Entry e = entries.get(entry);
    if (e == null) {
      throw new IOException("No such device or address: " + entry + " is not a report entry");
    }
    e.generation++;
    e.stale = true;
    Files.writeString(entry.resolve("generation"), e.generation + "\n");
  }

  /** After a write of a writable attribute: validate as the kernel does, then bump generation. */
  private void written(Path attribute) throws IOException {
    Path entry = attribute.getParent();
    String name = attribute.getFileName().toString();
    byte[] b = Files.readAllBytes(attribute);
    if (name.equals("inblob") && b.length > INBLOB_MAX) {
      Files.write(attribute, new byte[0]);
      throw new IOException("File too large: inblob takes at most " + INBLOB_MAX + " bytes");
    }
    if (name.equals("privlevel")) {
      String text = new String(b, StandardCharsets.US_ASCII).trim();
      int level;
      try {
        level = Integer.parseInt(text);
      } catch (NumberFormatException x) {
        throw new IOException("Invalid argument: privlevel '" + text + "'");
      }
      if (level < privlevelFloor || level > 3) {
        throw new IOException(
            "Invalid argument: privlevel " + level + " is outside " + privlevelFloor + "..3");
      }
      entries.get(entry).privlevel = level;
    }
    changed(entry);
  }

  /** Before a read of outblob or auxblob: generate the report if the request changed. */
  private synchronized void generate(Path attribute) throws IOException {
    Path entry = attribute.getParent();
    Entry e = entries.get(entry);
    if (e != null && e.stale) {
      byte[] inblob = Files.readAllBytes(entry.resolve("inblob"));
      Answer a = firmware.report(inblob, e.privlevel);
      requests.add(inblob);
      Files.write(entry.resolve("outblob"), a.outblob());
      Files.write(entry.resolve("auxblob"), a.auxblob() == null ? new byte[0] : a.auxblob());
      e.stale = false;
    }
  }

  private SeekableByteChannel open(Path real, Set<? extends OpenOption> options)
      throws IOException {
    boolean write =
        options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND);
    if (!isAttribute(real)) {
      return Files.newByteChannel(real, options);
    }
    String name = real.getFileName().toString();
    if (write) {
      if (!WRITABLE.contains(name)) {
        throw new AccessDeniedException(real.toString(), null, "read-only attribute");
      }
      SeekableByteChannel ch = Files.newByteChannel(real, options);
      return new Written(ch, () -> written(real));
    }
    if (name.equals("inblob")) {
      throw new AccessDeniedException(real.toString(), null, "write-only attribute");
    }
    if (name.equals("outblob") || name.equals("auxblob")) {
      generate(real);
      if (name.equals("outblob")) {
        beforeOutblob.run();
      }
    }
    return Files.newByteChannel(real, options);
  }

  /** A channel that tells the kernel when the writer closes it. */
  private static final class Written implements SeekableByteChannel {
    interface OnClose {
      void run() throws IOException;
    }

    private final SeekableByteChannel ch;
    private final OnClose onClose;

    Written(SeekableByteChannel ch, OnClose onClose) {
      this.ch = ch;
      this.onClose = onClose;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return ch.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      return ch.write(src);
    }

    @Override
    public long position() throws IOException {
      return ch.position();
    }

    @Override
    public SeekableByteChannel position(long p) throws IOException {
      ch.position(p);
      return this;
    }

    @Override
    public long size() throws IOException {
      return ch.size();
    }

    @Override
    public SeekableByteChannel truncate(long size) throws IOException {
      ch.truncate(size);
      return this;
    }

    @Override
    public boolean isOpen() {
      return ch.isOpen();
    }

    @Override
    public void close() throws IOException {
      if (ch.isOpen()) {
        ch.close();
        onClose.run();
      }
    }
  }

  // ------------------------------------------------------------------ the file system plumbing

  private final class KernelFsProvider extends FileSystemProvider {
    @Override
    public String getScheme() {
      return "cocos-tsm-kernel";
    }

    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FileSystem getFileSystem(URI uri) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Path getPath(URI uri) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SeekableByteChannel newByteChannel(
        Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
        throws IOException {
      return open(real(path), options);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(
        Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
      DirectoryStream<Path> d = Files.newDirectoryStream(real(dir));
      List<Path> out = new ArrayList<>();
      for (Path p : d) {
        Path k = new KernelPath(fs, p);
        if (filter.accept(k)) {
          out.add(k);
        }
      }
      d.close();
      return new DirectoryStream<>() {
        @Override
        public Iterator<Path> iterator() {
          return out.iterator();
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
      Path r = real(dir);
      if (isEntry(r)) {
        mkdir(r);
      } else {
        Files.createDirectory(r, attrs);
      }
    }

    @Override
    public void delete(Path path) throws IOException {
      Path r = real(path);
      if (isEntry(r) && entries.containsKey(r)) {
        rmdir(r);
      } else if (isAttribute(r)) {
        throw new AccessDeniedException(r.toString(), null, "configfs attributes go with rmdir");
      } else {
        Files.delete(r);
      }
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
      Files.copy(real(source), real(target), options);
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
      Files.move(real(source), real(target), options);
    }

    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
      return Files.isSameFile(real(path), real(path2));
    }

    @Override
    public boolean isHidden(Path path) throws IOException {
      return Files.isHidden(real(path));
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
      return Files.getFileStore(real(path));
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
      Path r = real(path);
      r.getFileSystem().provider().checkAccess(r, modes);
    }

    @Override
    public <V extends FileAttributeView> V getFileAttributeView(
        Path path, Class<V> type, LinkOption... options) {
      return Files.getFileAttributeView(real(path), type, options);
    }

    @Override
    public <A extends BasicFileAttributes> A readAttributes(
        Path path, Class<A> type, LinkOption... options) throws IOException {
      return Files.readAttributes(real(path), type, options);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
        throws IOException {
      return Files.readAttributes(real(path), attributes, options);
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options)
        throws IOException {
      Files.setAttribute(real(path), attribute, value, options);
    }
  }

  private static final class KernelFs extends FileSystem {
    private final KernelFsProvider provider;
    private final FileSystem base;

    KernelFs(KernelFsProvider provider, FileSystem base) {
      this.provider = provider;
      this.base = base;
    }

    @Override
    public FileSystemProvider provider() {
      return provider;
    }

    @Override
    public void close() {}

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public boolean isReadOnly() {
      return false;
    }

    @Override
    public String getSeparator() {
      return base.getSeparator();
    }

    @Override
    public Iterable<Path> getRootDirectories() {
      List<Path> roots = new ArrayList<>();
      base.getRootDirectories().forEach(r -> roots.add(new KernelPath(this, r)));
      return roots;
    }

    @Override
    public Iterable<FileStore> getFileStores() {
      return base.getFileStores();
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
      return base.supportedFileAttributeViews();
    }

    @Override
    public Path getPath(String first, String... more) {
      return new KernelPath(this, base.getPath(first, more));
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
      PathMatcher m = base.getPathMatcher(syntaxAndPattern);
      return p -> m.matches(real(p));
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
      return base.getUserPrincipalLookupService();
    }

    @Override
    public WatchService newWatchService() {
      throw new UnsupportedOperationException("configfs does not notify");
    }
  }

  /** A path of the default file system, seen through the kernel's. */
  private static final class KernelPath implements Path {
    private final KernelFs fs;
    final Path delegate;

    KernelPath(KernelFs fs, Path delegate) {
      this.fs = fs;
      this.delegate = delegate;
    }

    private Path wrap(Path p) {
      return p == null ? null : new KernelPath(fs, p);
    }

    @Override
    public FileSystem getFileSystem() {
      return fs;
    }

    @Override
    public boolean isAbsolute() {
      return delegate.isAbsolute();
    }

    @Override
    public Path getRoot() {
      return wrap(delegate.getRoot());
    }

    @Override
    public Path getFileName() {
      return wrap(delegate.getFileName());
    }

    @Override
    public Path getParent() {
      return wrap(delegate.getParent());
    }

    @Override
    public int getNameCount() {
      return delegate.getNameCount();
    }

    @Override
    public Path getName(int index) {
      return wrap(delegate.getName(index));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
      return wrap(delegate.subpath(beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
      return delegate.startsWith(real(other));
    }

    @Override
    public boolean endsWith(Path other) {
      return delegate.endsWith(real(other));
    }

    @Override
    public Path normalize() {
      return wrap(delegate.normalize());
    }

    @Override
    public Path resolve(Path other) {
      return wrap(delegate.resolve(real(other)));
    }

    @Override
    public Path resolve(String other) {
      return wrap(delegate.resolve(other));
    }

    @Override
    public Path relativize(Path other) {
      return wrap(delegate.relativize(real(other)));
    }

    @Override
    public URI toUri() {
      return delegate.toUri();
    }

    @Override
    public Path toAbsolutePath() {
      return wrap(delegate.toAbsolutePath());
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
      return wrap(delegate.toRealPath(options));
    }

    @Override
    public WatchKey register(
        WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
      throw new UnsupportedOperationException("configfs does not notify");
    }

    @Override
    public int compareTo(Path other) {
      return delegate.compareTo(real(other));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof KernelPath k && k.delegate.equals(delegate);
    }

    @Override
    public int hashCode() {
      return delegate.hashCode();
    }

    @Override
    public String toString() {
      return delegate.toString();
    }
  }
}
