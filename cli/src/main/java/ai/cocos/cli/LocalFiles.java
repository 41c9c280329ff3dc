package ai.cocos.cli;

import ai.cocos.crypto.KeyFormatException;
import ai.cocos.crypto.PemKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Reading keys and small text files, and writing output files safely: never over an existing file
 * unless asked, secrets with mode 0600, a replaced file swapped in atomically. Every problem is a
 * {@link Failure} that names the file.
 */
final class LocalFiles {
  /** The largest key or certificate file read: far above any real one (RSA-16384 PEM is 13 KB). */
  static final int MAX_PEM_BYTES = 1024 * 1024;

  /** Owner read and write only. */
  static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private static final SecureRandom RANDOM = new SecureRandom();

  private LocalFiles() {}

  /**
   * Reads a small UTF-8 text file (PEM, a signature).
   *
   * @param file the file
   * @param what how messages name it, e.g. {@code --consumer bob.pem}
   * @param maxBytes the largest size accepted
   * @return the text
   * @throws Failure if it is missing, not a regular file, too large, not UTF-8 or unreadable
   */
  static String readText(Path file, String what, int maxBytes) throws Failure {
    byte[] bytes = readBytes(file, what, maxBytes);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new Failure(what + ": not a text file (PEM or base64 text expected)");
    }
  }

  /**
   * Reads a small file as it is.
   *
   * @param file the file
   * @param what how messages name it, e.g. {@code --server-ca ca.pem}
   * @param maxBytes the largest size accepted
   * @return the bytes
   * @throws Failure if it is missing, not a regular file, too large or unreadable
   */
  static byte[] readBytes(Path file, String what, int maxBytes) throws Failure {
    requireRegularFile(file, what);
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(maxBytes + 1);
    } catch (IOException e) {
      throw new Failure(what + ": cannot read it: " + problem(e, file));
    }
    if (bytes.length > maxBytes) {
      throw new Failure(what + ": larger than " + maxBytes + " bytes, so not a file of this kind");
    }
    return bytes;
  }

  /**
   * Reads a PEM public key of a type Cocos accepts.
   *
   * @param file the file
   * @param what how messages name it
   * @return the key
   * @throws Failure if the file cannot be read or holds no acceptable public key
   */
  static PublicKey readPublicKey(Path file, String what) throws Failure {
    String pem = readText(file, what, MAX_PEM_BYTES);
    try {
      return PemKeys.parsePublicKey(pem);
    } catch (KeyFormatException e) {
      throw new Failure(what + ": " + e.getMessage());
    }
  }

  /**
   * Reads an unencrypted PEM private key of a type Cocos accepts.
   *
   * @param file the file
   * @param what how messages name it
   * @return the key and its public half
   * @throws Failure if the file cannot be read or holds no acceptable private key
   */
  static KeyPair readPrivateKey(Path file, String what) throws Failure {
    String pem = readText(file, what, MAX_PEM_BYTES);
    try {
      return PemKeys.parsePrivateKey(pem);
    } catch (KeyFormatException e) {
      throw new Failure(what + ": " + e.getMessage());
    }
  }

  /**
   * Checks that a path names an existing regular file (a symbolic link to one is fine).
   *
   * @param file the path
   * @param what how messages name it
   * @throws Failure if it does not exist or is something else
   */
  static void requireRegularFile(Path file, String what) throws Failure {
    if (Files.isRegularFile(file)) {
      return;
    }
    if (Files.isDirectory(file)) {
      throw new Failure(what + ": is a directory, expected a file");
    }
    if (Files.exists(file)) {
      throw new Failure(what + ": not a regular file");
    }
    throw new Failure(what + ": no such file");
  }

  /**
   * Writes a new file, or replaces one when {@code force} is set. Secrets get mode 0600 (where the
   * file system has POSIX permissions), whatever the umask; other files the umask's default. A
   * replaced file is written beside the target first and renamed over it, so it is never seen
   * half-written and a secret is never readable by others even for a moment.
   *
   * @param target the file
   * @param content its bytes
   * @param secret whether it holds a private key
   * @param force whether an existing file may be replaced
   * @throws Failure if the file exists (and {@code force} is not set), or cannot be written
   */
  static void write(Path target, byte[] content, boolean secret, boolean force) throws Failure {
    Path parent = target.toAbsolutePath().getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new Failure("cannot write " + target + ": the directory " + parent + " does not exist");
    }
    if (Files.isDirectory(target)) {
      throw new Failure("cannot write " + target + ": it is a directory, give a file name");
    }
    if (!force && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw exists(target);
    }
    try {
      if (force) {
        Path temp =
            parent.resolve(
                "." + target.getFileName() + "." + HexFormat.of().toHexDigits(RANDOM.nextInt()));
        createWith(temp, content, secret);
        try {
          Files.move(
              temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(temp);
        }
      } else {
        createWith(target, content, secret);
      }
    } catch (FileAlreadyExistsException e) {
      throw exists(target);
    } catch (IOException e) {
      throw new Failure("cannot write " + target + ": " + problem(e, target));
    }
  }

  private static Failure exists(Path target) {
    return new Failure(
        target
            + " already exists: move it away, choose another path, or give --force to replace it");
  }

  /** Creates a file that must not exist yet (a link in its place is not followed). */
  private static void createWith(Path file, byte[] content, boolean secret) throws IOException {
    Set<OpenOption> options =
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    boolean posix =
        Files.getFileStore(file.toAbsolutePath().getParent()).supportsFileAttributeView("posix");
    FileAttribute<?>[] attributes =
        secret && posix
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
            : new FileAttribute<?>[0];
    SeekableByteChannel channel = Files.newByteChannel(file, options, attributes);
    boolean written = false;
    try (channel) {
      if (secret && posix) {
        // The creation mode passes through the umask; make it exactly 0600.
        Files.setPosixFilePermissions(file, OWNER_ONLY);
      }
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      written = true;
    } finally {
      if (!written) {
        Files.deleteIfExists(file);
      }
    }
  }

  /**
   * Says in a few words why a file operation failed, without Java's exception names.
   *
   * @param e the failure
   * @param subject the file the message is already about: the failure names its file only when it
   *     is another one (such as a file inside a directory being hashed)
   * @return e.g. {@code no such file or directory}, {@code permission denied (data/b.csv)}
   */
  static String problem(IOException e, Path subject) {
    String reason;
    if (e instanceof NoSuchFileException) {
      reason = "no such file or directory";
    } else if (e instanceof AccessDeniedException) {
      reason = "permission denied";
    } else if (e instanceof NotDirectoryException) {
      reason = "not a directory";
    } else if (e instanceof FileSystemException fse && fse.getReason() != null) {
      reason = fse.getReason().toLowerCase(java.util.Locale.ROOT);
    } else {
      return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
    String file = ((FileSystemException) e).getFile();
    boolean same =
        file == null
            || (subject != null
                && Path.of(file)
                    .toAbsolutePath()
                    .normalize()
                    .equals(subject.toAbsolutePath().normalize()));
    return same ? reason : reason + " (" + file + ")";
  }
}
