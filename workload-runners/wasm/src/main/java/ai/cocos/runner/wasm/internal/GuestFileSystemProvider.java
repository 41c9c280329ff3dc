package ai.cocos.runner.wasm.internal;

import ai.cocos.runner.wasm.internal.GuestFileSystem.Mount;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Carries out the file operations of a {@link GuestFileSystem} on the host, confined to its mounts.
 *
 * <p>Rules, each enforced here rather than trusted to the WASI layer:
 *
 * <ul>
 *   <li>A guest path names a mount and a path below it; {@code ..} stops at the mount's root.
 *   <li>The host folder an operation works in is resolved to its real path and must lie inside the
 *       mount, so a symbolic link (placed there before the run) cannot lead out of it; a link that
 *       is followed must also resolve inside its mount.
 *   <li>The module never creates links: a symbolic link could point anywhere, and a hard link to a
 *       dataset in {@code results/} would be a writable alias of a read-only file.
 *   <li>On a read-only mount every operation that would change something (open for writing, create,
 *       delete, rename, set times or attributes) fails with {@link AccessDeniedException}, which
 *       Chicory reports to the module as an errno.
 *   <li>A mount's root cannot be deleted or renamed.
 * </ul>
 *
 * <p>Nothing but the module and this run touches the mounted folders while it runs (the agent hands
 * them over), and a WASI preview 1 module is single-threaded, so a check is not raced by another
 * change of the same tree.
 */
final class GuestFileSystemProvider extends FileSystemProvider {
  /** The URI scheme of guest paths. */
  static final String SCHEME = "cocos-wasm";

  private final GuestFileSystem fs;

  GuestFileSystemProvider(GuestFileSystem fs) {
    this.fs = fs;
  }

  /** Where a guest path lies on the host. */
  record Host(Mount mount, Path path, boolean isMountRoot) {}

  /**
   * Translates a guest path into the host path it stands for, checking that it stays in its mount.
   *
   * @param path a guest path
   * @param follow whether the operation follows a symbolic link in the last name
   * @return the host path, whose parent folder is a real path inside the mount
   * @throws NoSuchFileException if there is no such mount or the parent folder does not exist
   * @throws AccessDeniedException if the path resolves outside its mount
   */
  Host host(Path path, boolean follow) throws IOException {
    GuestPath guest = guest(path);
    if (!fs.isOpen()) {
      throw new ClosedFileSystemException();
    }
    Path names = guest.toAbsolutePath().names();
    if (names.getNameCount() == 0) {
      throw new AccessDeniedException(guest.toString(), null, "the root holds only the mounts");
    }
    Mount mount = fs.mount(names.getName(0).toString());
    if (mount == null) {
      throw new NoSuchFileException(guest.toString());
    }
    List<String> below = new ArrayList<>();
    for (int i = 1; i < names.getNameCount(); i++) {
      String name = names.getName(i).toString();
      if (name.equals("..")) {
        if (!below.isEmpty()) {
          below.remove(below.size() - 1);
        }
      } else if (!name.equals(".")) {
        below.add(name);
      }
    }
    if (below.isEmpty()) {
      return new Host(mount, mount.root(), true);
    }
    Path parent = mount.root();
    for (String name : below.subList(0, below.size() - 1)) {
      parent = parent.resolve(name);
    }
    Path realParent;
    try {
      realParent = parent.toRealPath();
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(guest.toString());
    }
    if (!realParent.startsWith(mount.root())) {
      throw outside(guest);
    }
    Path host = realParent.resolve(below.get(below.size() - 1));
    if (follow && Files.isSymbolicLink(host)) {
      Path target;
      try {
        target = host.toRealPath();
      } catch (NoSuchFileException e) {
        // A dangling link followed with O_CREAT would create its target, wherever that is.
        throw new AccessDeniedException(guest.toString(), null, "dangling symbolic link");
      }
      if (!target.startsWith(mount.root())) {
        throw outside(guest);
      }
    }
    return new Host(mount, host, false);
  }

  private GuestPath guest(Path path) {
    if (!(path instanceof GuestPath g) || g.getFileSystem() != fs) {
      throw new ProviderMismatchException("not a path of this Wasm module's file system: " + path);
    }
    return g;
  }

  private static AccessDeniedException outside(GuestPath guest) {
    return new AccessDeniedException(guest.toString(), null, "resolves outside its folder");
  }

  private static void requireWritable(Path guest, Host host) throws AccessDeniedException {
    if (!host.mount().writable()) {
      throw new AccessDeniedException(
          guest.toString(), null, host.mount().name() + "/ is read-only");
    }
  }

  private static void requireNotMountRoot(Path guest, Host host) throws AccessDeniedException {
    if (host.isMountRoot()) {
      throw new AccessDeniedException(guest.toString(), null, "a mounted folder stays in place");
    }
  }

  private static boolean follows(Object[] options) {
    return !Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS);
  }

  /** The guest path of a host path inside a mount. */
  private GuestPath guestOf(Mount mount, Path host) {
    Path below = mount.root().relativize(host);
    GuestPath point = fs.mountPoint(mount.name());
    return below.toString().isEmpty() ? point : (GuestPath) point.resolve(below.toString());
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
    throw new UnsupportedOperationException("guest file systems are created by the wasm runner");
  }

  @Override
  public FileSystem getFileSystem(URI uri) {
    throw new UnsupportedOperationException("guest file systems are not looked up by URI");
  }

  @Override
  public Path getPath(URI uri) {
    throw new UnsupportedOperationException("guest paths are not looked up by URI");
  }

  @Override
  public FileChannel newFileChannel(
      Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
    Host host = host(path, !options.contains(LinkOption.NOFOLLOW_LINKS));
    boolean writes =
        options.contains(StandardOpenOption.WRITE)
            || options.contains(StandardOpenOption.APPEND)
            || options.contains(StandardOpenOption.CREATE)
            || options.contains(StandardOpenOption.CREATE_NEW)
            || options.contains(StandardOpenOption.DELETE_ON_CLOSE);
    if (writes) {
      requireWritable(path, host);
    }
    FileChannel channel = FileChannel.open(host.path(), options, attrs);
    boolean writable =
        options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND);
    return new GuestFileChannel(channel, path.toString(), writable);
  }

  @Override
  public SeekableByteChannel newByteChannel(
      Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
    return newFileChannel(path, options, attrs);
  }

  @Override
  public DirectoryStream<Path> newDirectoryStream(
      Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
    Path guestDir = guest(dir);
    DirectoryStream<Path> entries = Files.newDirectoryStream(host(dir, true).path());
    return new DirectoryStream<>() {
      @Override
      public Iterator<Path> iterator() {
        Iterator<Path> names = entries.iterator();
        return new Iterator<>() {
          private Path next;

          @Override
          public boolean hasNext() {
            while (next == null && names.hasNext()) {
              Path candidate = guestDir.resolve(names.next().getFileName().toString());
              try {
                if (filter.accept(candidate)) {
                  next = candidate;
                }
              } catch (IOException e) {
                throw new DirectoryIteratorException(e);
              }
            }
            return next != null;
          }

          @Override
          public Path next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            Path result = next;
            next = null;
            return result;
          }
        };
      }

      @Override
      public void close() throws IOException {
        entries.close();
      }
    };
  }

  @Override
  public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
    Host host = host(dir, false);
    requireWritable(dir, host);
    Files.createDirectory(host.path(), attrs);
  }

  @Override
  public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) {
    throw new UnsupportedOperationException("a Wasm module cannot create symbolic links");
  }

  @Override
  public void createLink(Path link, Path existing) {
    throw new UnsupportedOperationException("a Wasm module cannot create hard links");
  }

  @Override
  public void delete(Path path) throws IOException {
    Host host = host(path, false);
    requireWritable(path, host);
    requireNotMountRoot(path, host);
    Files.delete(host.path());
  }

  @Override
  public Path readSymbolicLink(Path link) throws IOException {
    Host host = host(link, false);
    if (!Files.isSymbolicLink(host.path())) {
      throw new NotLinkException(link.toString());
    }
    Path target;
    try {
      target = host.path().toRealPath();
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(link.toString(), null, "dangling symbolic link");
    }
    if (!target.startsWith(host.mount().root())) {
      throw outside(guest(link));
    }
    // The module sees where the link leads inside its own file system, never a host path.
    return guestOf(host.mount(), target);
  }

  @Override
  public void copy(Path source, Path target, CopyOption... options) throws IOException {
    Host from = host(source, follows(options));
    Host to = host(target, false);
    requireWritable(target, to);
    requireNotMountRoot(target, to);
    Files.copy(from.path(), to.path(), options);
  }

  @Override
  public void move(Path source, Path target, CopyOption... options) throws IOException {
    Host from = host(source, false);
    Host to = host(target, false);
    requireWritable(source, from);
    requireWritable(target, to);
    requireNotMountRoot(source, from);
    requireNotMountRoot(target, to);
    Files.move(from.path(), to.path(), options);
  }

  @Override
  public boolean isSameFile(Path path, Path path2) throws IOException {
    if (path.equals(path2)) {
      return true;
    }
    return Files.isSameFile(host(path, true).path(), host(path2, true).path());
  }

  @Override
  public boolean isHidden(Path path) {
    Path name = guest(path).getFileName();
    return name != null && name.toString().startsWith(".");
  }

  @Override
  public FileStore getFileStore(Path path) {
    throw new UnsupportedOperationException("a Wasm module's file system has no file stores");
  }

  @Override
  public void checkAccess(Path path, AccessMode... modes) throws IOException {
    Host host = host(path, true);
    if (Arrays.asList(modes).contains(AccessMode.WRITE)) {
      requireWritable(path, host);
    }
    host.path().getFileSystem().provider().checkAccess(host.path(), modes);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <V extends FileAttributeView> V getFileAttributeView(
      Path path, Class<V> type, LinkOption... options) {
    if (type != BasicFileAttributeView.class) {
      return null;
    }
    GuestPath guest = guest(path);
    boolean follow = follows(options);
    return (V)
        new BasicFileAttributeView() {
          @Override
          public String name() {
            return "basic";
          }

          @Override
          public BasicFileAttributes readAttributes() throws IOException {
            return GuestFileSystemProvider.this.readAttributes(
                guest, BasicFileAttributes.class, options);
          }

          @Override
          public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime create)
              throws IOException {
            Host host = host(guest, follow);
            requireWritable(guest, host);
            Files.getFileAttributeView(host.path(), BasicFileAttributeView.class, options)
                .setTimes(lastModifiedTime, lastAccessTime, create);
          }
        };
  }

  @Override
  public <A extends BasicFileAttributes> A readAttributes(
      Path path, Class<A> type, LinkOption... options) throws IOException {
    return Files.readAttributes(host(path, follows(options)).path(), type, options);
  }

  @Override
  public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
      throws IOException {
    return Files.readAttributes(host(path, follows(options)).path(), attributes, options);
  }

  @Override
  public void setAttribute(Path path, String attribute, Object value, LinkOption... options)
      throws IOException {
    if (!attribute.startsWith("basic:") && attribute.contains(":")) {
      throw new UnsupportedOperationException(
          "a Wasm module may only set basic attributes, not " + attribute);
    }
    Host host = host(path, follows(options));
    requireWritable(path, host);
    Files.setAttribute(host.path(), attribute, value, options);
  }

  /** The real guest path: links resolved (unless not followed), names normalised. */
  Path toRealPath(GuestPath path, LinkOption... options) throws IOException {
    Host host = host(path, follows(options));
    Path real;
    try {
      real = follows(options) ? host.path().toRealPath() : host.path();
      if (!follows(options)) {
        Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      }
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(path.toString());
    }
    return guestOf(host.mount(), real);
  }
}
