package ai.cocos.runner.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Ends processes together with all their descendants.
 *
 * <p>The whole tree is collected before any signal is sent: once a parent dies its children are
 * re-parented and {@link ProcessHandle#descendants()} no longer finds them. Every process found
 * gets SIGTERM; the tree is swept again to catch children forked meanwhile; whatever is still alive
 * after the grace gets SIGKILL. A handle remembers its process's start time, so a recycled pid is
 * never signalled.
 *
 * <p>Limit: a process that detached from the tree (double fork) before the first sweep and was
 * never seen by the caller is out of reach; {@link ProcessWorkload} narrows that gap by sampling
 * the tree while the algorithm runs.
 */
public final class ProcessTree {
  /** How long to wait for processes to disappear after SIGKILL. */
  public static final Duration KILL_WAIT = Duration.ofSeconds(5);

  private static final int SWEEPS = 5;
  private static final long POLL_MILLIS = 20;

  private ProcessTree() {}

  /**
   * Ends the given processes and all their descendants, blocking until they are gone or SIGKILL has
   * been sent and {@link #KILL_WAIT} has passed.
   *
   * @param roots the processes to end (dead ones are ignored)
   * @param grace time between SIGTERM and SIGKILL
   * @return the processes still alive at the end (normally none)
   * @throws InterruptedException if interrupted while waiting
   */
  public static List<ProcessHandle> terminate(Collection<ProcessHandle> roots, Duration grace)
      throws InterruptedException {
    Set<ProcessHandle> victims = new LinkedHashSet<>();
    signalTree(roots, victims, false);
    if (!awaitGone(victims, grace)) {
      signalTree(alive(victims), victims, true);
      awaitGone(victims, KILL_WAIT);
    }
    return alive(victims);
  }

  /**
   * Sends SIGKILL to the living roots and their descendants without waiting: for paths that must
   * not block (a failed start, a runner torn down).
   *
   * @param roots the processes to end
   */
  public static void kill(Collection<ProcessHandle> roots) {
    for (ProcessHandle h : collect(roots)) {
      h.destroyForcibly();
    }
  }

  /**
   * Sends SIGTERM (or SIGKILL when {@code force}) to the living roots and their descendants, then
   * sweeps again (a few times at most) to catch processes forked in between.
   */
  private static void signalTree(
      Collection<ProcessHandle> roots, Set<ProcessHandle> victims, boolean force) {
    Set<ProcessHandle> signalled = new HashSet<>();
    Collection<ProcessHandle> from = roots;
    for (int i = 0; i < SWEEPS; i++) {
      List<ProcessHandle> targets = collect(from);
      targets.removeAll(signalled);
      if (targets.isEmpty()) {
        return;
      }
      for (ProcessHandle h : targets) {
        victims.add(h);
        signalled.add(h);
        if (force) {
          h.destroyForcibly();
        } else {
          h.destroy();
        }
      }
      from = alive(victims);
    }
  }

  /** Living roots and their living descendants, collected before anything is signalled. */
  private static List<ProcessHandle> collect(Collection<ProcessHandle> roots) {
    Set<ProcessHandle> found = new LinkedHashSet<>();
    for (ProcessHandle root : roots) {
      if (isRunning(root)) {
        found.add(root);
        root.descendants().forEach(found::add);
      }
    }
    return new ArrayList<>(found);
  }

  private static List<ProcessHandle> alive(Collection<ProcessHandle> handles) {
    List<ProcessHandle> living = new ArrayList<>();
    for (ProcessHandle h : handles) {
      if (isRunning(h)) {
        living.add(h);
      }
    }
    return living;
  }

  /**
   * Whether a process still runs. {@link ProcessHandle#isAlive()} is also true for a zombie: a dead
   * process whose parent has not collected it yet, which happens to every killed orphan where the
   * init process reaps slowly (or, in a container, not at all). A zombie holds no resources and can
   * no longer be signalled, so it counts as gone.
   *
   * @param process the process
   * @return {@code false} once the process has ended, zombie or not
   */
  public static boolean isRunning(ProcessHandle process) {
    if (!process.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      // Format: "pid (comm) state ..."; comm may itself contain ") ", so look for the last one.
      int end = stat.lastIndexOf(") ");
      char state = end < 0 || end + 2 >= stat.length() ? '?' : stat.charAt(end + 2);
      return state != 'Z' && state != 'X';
    } catch (NoSuchFileException e) {
      return false; // gone (and reaped) since isAlive()
    } catch (IOException | UncheckedIOException e) {
      return true; // no procfs: trust isAlive()
    }
  }

  private static boolean awaitGone(Collection<ProcessHandle> handles, Duration limit)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      if (alive(handles).isEmpty()) {
        return true;
      }
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      Thread.sleep(POLL_MILLIS);
    }
  }
}
