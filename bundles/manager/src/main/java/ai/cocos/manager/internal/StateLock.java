package ai.cocos.manager.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One manager per state folder: two managers sharing one would re-attach to each other's agents and
 * wipe each other's VM folders. An OS file lock on {@code manager.lock} (holding the owner's PID),
 * released when the manager stops or its process dies.
 */
final class StateLock implements AutoCloseable {
  private final Path dir;
  private final FileChannel channel;
  private final FileLock lock;

  private StateLock(Path dir, FileChannel channel, FileLock lock) {
    this.dir = dir;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * The locked folder.
   *
   * @return the state folder
   */
  Path dir() {
    return dir;
  }

  /**
   * Takes the lock of a state folder, if no other manager holds it.
   *
   * @param stateDir the folder (must exist)
   * @return the lock, or empty if another manager (in this process or another) holds it
   * @throws IOException if the lock file cannot be opened
   */
  static Optional<StateLock> tryAcquire(Path stateDir) throws IOException {
    Path file = stateDir.resolve("manager.lock");
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      ch.close();
      return Optional.empty();
    }
    ch.truncate(0);
    ch.write(
        ByteBuffer.wrap(
            (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
    return Optional.of(new StateLock(stateDir, ch, lock));
  }

  /**
   * Who holds a state folder's lock, for messages.
   *
   * @param stateDir the folder
   * @return e.g. {@code PID 4711}, or {@code another manager}
   */
  static String holder(Path stateDir) {
    try {
      String pid = Files.readString(stateDir.resolve("manager.lock")).trim();
      return pid.isEmpty() ? "another manager" : "the manager with PID " + pid;
    } catch (IOException e) {
      return "another manager";
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // The lock goes with the channel anyway.
    }
  }
}
