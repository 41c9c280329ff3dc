package ai.cocos.manager.internal;

import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.manager.internal.ComputationView.Party;
import ai.cocos.manager.internal.EventRecord.Kind;
import ai.cocos.manager.internal.ManagerException.Reason;
import ai.cocos.manifest.ManifestException;
import ai.cocos.manifest.ManifestParser;
import ai.cocos.manifest.ManifestSignature;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The computations this manager knows: each registered from a checked manifest, then followed
 * through what its agent reports (state, events, logs) and what the manager does with it (CVM
 * binding, run request, stop, removal).
 *
 * <p>Thread-safe: each computation is guarded by its own lock; {@link Watcher}s are called under
 * it, in order, and must not block.
 *
 * <p>Memory is bounded: each computation keeps its newest {@code maxEvents} events and log lines
 * and counts the ones it dropped ({@link ComputationView#droppedEvents()}).
 *
 * <p>With a state folder, every computation is written to {@code computations/<id>.json} (mode
 * 0600: the manifest may hold the agent's TLS private key) when it is created, and again shortly
 * after each change; a new registry on the same folder loads them back, so a restarted manager
 * keeps its computations and knows which run requests were answered.
 */
final class ComputationRegistry implements AutoCloseable {
  /** The state of a computation no agent has reported on yet. */
  static final String REGISTERED = "Registered";

  /** The agent confirmed a stop request. */
  static final String STOPPED = "Stopped";

  /** The computation's CVM was removed before the computation ended. */
  static final String REMOVED = "Removed";

  /** The agent's failure state. */
  static final String FAILED = "Failed";

  /** The state names CocosAI's agent reports (event types and {@code AgentStateRes.state}). */
  static final Set<String> AGENT_STATES =
      Set.of(
          "Idle",
          "ReceivingManifest",
          "ReceivingAlgorithm",
          "ReceivingData",
          "Running",
          "ConsumingResults",
          "Complete",
          FAILED);

  /** States nothing changes any more. */
  static final Set<String> TERMINAL = Set.of("Complete", FAILED, STOPPED, REMOVED);

  /** Who the manager's own events are from. */
  static final String MANAGER = "manager";

  private static final Logger LOG = System.getLogger(ComputationRegistry.class.getName());
  private static final long SAVE_DELAY_MILLIS = 200;
  private static final int FORMAT_VERSION = 1;

  /** Longest status description gRPC clients accept comfortably (their metadata limit is 8 KiB). */
  private static final int MAX_DESCRIPTION = 6000;

  /**
   * What the registry needs.
   *
   * @param parser how manifests are read
   * @param ownerKey the owner key manifests must be signed with, if any
   * @param maxEvents events and log lines kept per computation
   * @param stateDir where computations are persisted, if anywhere
   * @param clock the time of the manager's own events
   */
  record Settings(
      ManifestParser parser,
      Optional<PublicKey> ownerKey,
      int maxEvents,
      Optional<Path> stateDir,
      Clock clock) {
    Settings {
      Objects.requireNonNull(parser, "parser");
      Objects.requireNonNull(ownerKey, "ownerKey");
      if (maxEvents < 1) {
        throw new IllegalArgumentException("maxEvents must be at least 1, found " + maxEvents);
      }
      Objects.requireNonNull(stateDir, "stateDir");
      Objects.requireNonNull(clock, "clock");
    }
  }

  /** Follows one computation; called under its lock, in order, never blocking. */
  interface Watcher {
    /**
     * The computation as it is now: first when watching starts, then after each change of state,
     * binding or error.
     *
     * @param view the computation
     */
    void computation(ComputationView view);

    /**
     * A new event or log line.
     *
     * @param event the entry
     */
    void event(EventRecord event);

    /** The computation became terminal: nothing more follows. */
    void end();
  }

  private final Settings settings;
  private final ScheduledExecutorService saver;
  private final Path dir;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  /**
   * Creates the registry and loads the computations persisted in the state folder.
   *
   * @param settings what it needs
   * @param saver runs the delayed saves; {@code null} saves each change at once
   * @throws IOException if the state folder cannot be created
   */
  ComputationRegistry(Settings settings, ScheduledExecutorService saver) throws IOException {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.saver = saver;
    this.dir = settings.stateDir().map(d -> d.resolve("computations")).orElse(null);
    if (dir != null) {
      SecureFiles.privateDir(dir);
      load();
    }
  }

  // ---------------------------------------------------------------- create, list, get, watch

  /**
   * Registers a computation.
   *
   * @param manifestJson the manifest as JSON
   * @param ownerSignature the owner's signature, empty if none
   * @return the new computation
   * @throws ManagerException INVALID_ARGUMENT listing every problem of the manifest,
   *     PERMISSION_DENIED if a required owner signature is missing or wrong, ALREADY_EXISTS if the
   *     id is taken
   */
  ComputationView create(byte[] manifestJson, byte[] ownerSignature) throws ManagerException {
    Manifest manifest;
    try {
      manifest = settings.parser().parse(manifestJson);
    } catch (ManifestException e) {
      throw new ManagerException(Reason.INVALID_ARGUMENT, shorten(e.getMessage()), e);
    }
    Optional<byte[]> signature =
        ownerSignature.length == 0 ? Optional.empty() : Optional.of(ownerSignature.clone());
    try {
      ManifestSignature.check(manifest, signature, settings.ownerKey());
    } catch (ManifestException e) {
      // The shared check speaks of the agent; here the manager is the one configured with a key.
      throw new ManagerException(
          Reason.PERMISSION_DENIED, e.getMessage().replace("this agent", "this manager"), e);
    }
    Instant now = settings.clock().instant();
    Entry entry =
        new Entry(manifest, manifestJson.clone(), signature.orElse(new byte[0]), now, REGISTERED);
    Entry previous = entries.putIfAbsent(manifest.id(), entry);
    if (previous != null) {
      throw new ManagerException(
          Reason.ALREADY_EXISTS,
          "computation '"
              + manifest.id()
              + "' already exists (registered "
              + previous.created
              + "); give the new manifest another id");
    }
    synchronized (entry) {
      entry.append(
          Kind.EVENT,
          now,
          MANAGER,
          REGISTERED,
          "",
          details(
              Map.of("manifest_digest", entry.digest, "owner_signed", entry.signature.length > 0)),
          "",
          "computation registered",
          null);
    }
    try {
      save(entry);
    } catch (IOException e) {
      entries.remove(manifest.id(), entry);
      throw new ManagerException(
          Reason.INTERNAL,
          "computation '" + manifest.id() + "' could not be stored: " + e.getMessage(),
          e);
    }
    LOG.log(
        Level.INFO,
        "registered computation {0} (manifest {1}, owner signature {2})",
        manifest.id(),
        entry.digest,
        entry.signature.length > 0 ? "present" : "absent");
    return view(entry);
  }

  /**
   * Every computation, oldest first.
   *
   * @return the computations
   */
  List<ComputationView> list() {
    List<Entry> all = new ArrayList<>(entries.values());
    all.sort(Comparator.comparing((Entry e) -> e.created).thenComparing(e -> e.manifest.id()));
    List<ComputationView> out = new ArrayList<>(all.size());
    for (Entry e : all) {
      out.add(view(e));
    }
    return out;
  }

  /**
   * One computation.
   *
   * @param id its id
   * @return the computation
   * @throws ManagerException NOT_FOUND for an unknown id
   */
  ComputationView get(String id) throws ManagerException {
    return view(entry(id));
  }

  /**
   * One computation's retained events, oldest first.
   *
   * @param id its id
   * @return the events
   * @throws ManagerException NOT_FOUND for an unknown id
   */
  List<EventRecord> events(String id) throws ManagerException {
    Entry e = entry(id);
    synchronized (e) {
      return List.copyOf(e.events);
    }
  }

  /**
   * A computation's manifest.
   *
   * @param id its id
   * @return the manifest
   * @throws ManagerException NOT_FOUND for an unknown id
   */
  Manifest manifest(String id) throws ManagerException {
    return entry(id).manifest;
  }

  /**
   * The owner signature a computation was registered with.
   *
   * @param id its id
   * @return the signature, empty if none
   * @throws ManagerException NOT_FOUND for an unknown id
   */
  byte[] ownerSignature(String id) throws ManagerException {
    return entry(id).signature.clone();
  }

  /**
   * Follows a computation: {@link Watcher#computation} at once, then the retained events after
   * {@code afterSeq}, then each change; {@link Watcher#end} once it is terminal (at once if it
   * already is).
   *
   * @param id the computation
   * @param afterSeq replay only events with a larger sequence number
   * @param watcher who follows
   * @return stops following
   * @throws ManagerException NOT_FOUND for an unknown id
   */
  Runnable watch(String id, long afterSeq, Watcher watcher) throws ManagerException {
    Entry e = entry(id);
    synchronized (e) {
      watcher.computation(e.view());
      for (EventRecord r : e.events) {
        if (r.seq() > afterSeq) {
          watcher.event(r);
        }
      }
      if (TERMINAL.contains(e.state)) {
        watcher.end();
        return () -> {};
      }
      e.watchers.add(watcher);
    }
    return () -> {
      synchronized (e) {
        e.watchers.remove(watcher);
      }
    };
  }

  // ------------------------------------------------------------------------ CVM binding

  /**
   * Binds a computation to a new CVM: its agent will dial in with this CVM id.
   *
   * @param id the computation
   * @param cvmId the CVM
   * @throws ManagerException NOT_FOUND for an unknown computation, FAILED_PRECONDITION if it is
   *     terminal or bound to another CVM
   */
  void bind(String id, String cvmId) throws ManagerException {
    Entry e = entry(id);
    synchronized (e) {
      if (TERMINAL.contains(e.state)) {
        throw new ManagerException(
            Reason.FAILED_PRECONDITION,
            "computation '" + id + "' is " + e.state + ": register a new one to run it again");
      }
      if (!e.cvmId.isEmpty() && !e.cvmId.equals(cvmId)) {
        throw new ManagerException(
            Reason.FAILED_PRECONDITION,
            "computation '"
                + id
                + "' is already bound to CVM "
                + e.cvmId
                + "; remove that VM first");
      }
      e.cvmId = cvmId;
      e.append(
          Kind.EVENT,
          settings.clock().instant(),
          MANAGER,
          "CvmBound",
          "",
          details(Map.of("cvm_id", cvmId)),
          "",
          "bound to CVM " + cvmId,
          null);
      e.changed();
    }
    saveSoon(e);
  }

  /**
   * Releases a computation's CVM binding (the VM was removed, or failed to start). A computation
   * not yet terminal becomes {@code Removed} if {@code removed}.
   *
   * @param id the computation
   * @param cvmId the CVM it should be bound to; nothing happens if it is bound to another
   * @param removed whether the VM was removed (else it never started)
   * @param message what happened
   */
  void unbind(String id, String cvmId, boolean removed, String message) {
    Entry e = entries.get(id);
    if (e == null) {
      return;
    }
    synchronized (e) {
      if (!e.cvmId.equals(cvmId)) {
        return;
      }
      e.cvmId = "";
      e.append(
          Kind.EVENT,
          settings.clock().instant(),
          MANAGER,
          removed ? "VmRemoved" : "CvmUnbound",
          "",
          details(Map.of("cvm_id", cvmId)),
          "",
          message,
          removed && !TERMINAL.contains(e.state) ? REMOVED : null);
      e.changed();
    }
    saveSoon(e);
  }

  /**
   * The computation bound to a CVM.
   *
   * @param cvmId the CVM id (an agent's {@code job-id})
   * @return the computation id, if one is bound
   */
  Optional<String> boundTo(String cvmId) {
    if (cvmId.isEmpty()) {
      return Optional.empty();
    }
    for (Entry e : entries.values()) {
      synchronized (e) {
        if (e.cvmId.equals(cvmId)) {
          return Optional.of(e.manifest.id());
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Whether a computation exists.
   *
   * @param id the id
   * @return {@code true} if registered
   */
  boolean contains(String id) {
    return entries.containsKey(id);
  }

  // ------------------------------------------------------------------------ run request

  /**
   * Claims the sending of a computation's run request, unless an agent answered it already.
   *
   * @param id the computation
   * @return {@code true} if the caller must send it now
   */
  boolean claimRunRequest(String id) {
    Entry e = entries.get(id);
    if (e == null) {
      return false;
    }
    synchronized (e) {
      return !e.runRequestAnswered;
    }
  }

  /**
   * Records that the run request was sent.
   *
   * @param id the computation
   * @param bytes the size of the serialized request
   * @param chunks how many chunks carried it
   */
  void runRequestSent(String id, int bytes, int chunks) {
    managerEvent(
        id,
        "RunRequestSent",
        "",
        "run request sent (" + bytes + " bytes in " + chunks + " chunks)",
        Map.of("bytes", bytes, "chunks", chunks),
        null);
    Entry e = entries.get(id);
    if (e != null) {
      synchronized (e) {
        e.runRequestSent = true;
      }
    }
  }

  /**
   * Records the agent's answer to the run request ({@code RunResponse}); it is never sent again.
   *
   * @param id the computation
   * @param error the agent's error, empty if it accepted the computation
   */
  void runResponse(String id, String error) {
    Entry e = entries.get(id);
    if (e == null) {
      return;
    }
    synchronized (e) {
      e.runRequestAnswered = true;
      if (!error.isEmpty() && e.error.isEmpty()) {
        e.error = error;
      }
      e.append(
          Kind.EVENT,
          settings.clock().instant(),
          "agent",
          "RunResponse",
          error.isEmpty() ? "Ready" : FAILED,
          details(Map.of("error", error)),
          "",
          error.isEmpty()
              ? "agent accepted the computation"
              : "agent could not start the computation: " + error,
          error.isEmpty() ? null : FAILED);
      e.changed();
    }
    saveSoon(e);
  }

  // ------------------------------------------------------------------- events and logs

  /**
   * Records an agent event; an event whose type is an agent state name moves the computation to
   * that state.
   *
   * @param id the computation
   * @param time when it happened, {@code null} for now
   * @param originator who reported it
   * @param type the event type
   * @param status the status
   * @param details JSON details, possibly empty
   */
  void agentEvent(
      String id, Instant time, String originator, String type, String status, byte[] details) {
    Entry e = entries.get(id);
    if (e == null) {
      return;
    }
    synchronized (e) {
      String state = AGENT_STATES.contains(type) ? type : null;
      boolean before = TERMINAL.contains(e.state);
      e.append(
          Kind.EVENT,
          time == null ? settings.clock().instant() : time,
          originator.isEmpty() ? "agent" : originator,
          type,
          status,
          details,
          "",
          "",
          state);
      if (state != null && FAILED.equals(state) && e.error.isEmpty()) {
        e.error = "the agent reported the computation as failed";
      }
      if (state != null && !before) {
        e.changed();
      }
    }
    saveSoon(e);
  }

  /**
   * Records the agent's answer to a state request ({@code AgentStateRes}).
   *
   * @param id the computation
   * @param state the agent's state name
   */
  void agentState(String id, String state) {
    managerEventFrom(
        id,
        "agent",
        "AgentState",
        state,
        "agent reports state " + state,
        Map.of("state", state),
        AGENT_STATES.contains(state) ? state : null);
  }

  /**
   * Records a log line of the agent.
   *
   * @param id the computation
   * @param time when it was written, {@code null} for now
   * @param level its level
   * @param message the line
   */
  void agentLog(String id, Instant time, String level, String message) {
    Entry e = entries.get(id);
    if (e == null) {
      return;
    }
    synchronized (e) {
      e.append(
          Kind.LOG,
          time == null ? settings.clock().instant() : time,
          "agent",
          "",
          "",
          new byte[0],
          level,
          message,
          null);
    }
    saveSoon(e);
  }

  /**
   * Records something the manager did or saw.
   *
   * @param id the computation
   * @param type the event type, e.g. {@code AgentConnected}
   * @param status the status, possibly empty
   * @param message what happened, as a sentence
   * @param details details, written as JSON
   * @param newState the state the computation moves to, {@code null} to keep it
   */
  void managerEvent(
      String id,
      String type,
      String status,
      String message,
      Map<String, ?> details,
      String newState) {
    managerEventFrom(id, MANAGER, type, status, message, details, newState);
  }

  /**
   * Marks a computation failed (its agent process ended unexpectedly, or it was lost while the
   * manager was down).
   *
   * @param id the computation
   * @param type the event type, e.g. {@code VmExited}
   * @param reason why, as a sentence; also {@link ComputationView#error()}
   * @param details details, written as JSON
   */
  void fail(String id, String type, String reason, Map<String, ?> details) {
    Entry e = entries.get(id);
    if (e == null) {
      return;
    }
    synchronized (e) {
      boolean terminal = TERMINAL.contains(e.state);
      if (!terminal && e.error.isEmpty()) {
        e.error = reason;
      }
      e.append(
          Kind.EVENT,
          settings.clock().instant(),
          MANAGER,
          type,
          FAILED,
          details(details),
          "",
          reason,
          terminal ? null : FAILED);
      e.changed();
    }
    saveSoon(e);
  }

  private void managerEventFrom(
      String id,
      String originator,
      String type,
      String status,
      String message,
      Map<String, ?> details,
      String newState) {
    Entry e = entries.get(id);
    if (e == null) {
      return;
    }
    synchronized (e) {
      boolean before = TERMINAL.contains(e.state);
      e.append(
          Kind.EVENT,
          settings.clock().instant(),
          originator,
          type,
          status,
          details(details),
          "",
          message,
          newState);
      if (newState != null && !before) {
        e.changed();
      }
    }
    saveSoon(e);
  }

  // ------------------------------------------------------------------------ persistence

  /** Writes every computation with unsaved changes. */
  @Override
  public void close() {
    for (Entry e : entries.values()) {
      boolean dirty;
      synchronized (e) {
        dirty = e.dirty;
      }
      if (dirty) {
        try {
          save(e);
        } catch (IOException ex) {
          LOG.log(
              Level.WARNING,
              "cannot store computation " + e.manifest.id() + ": " + ex.getMessage());
        }
      }
    }
  }

  private void saveSoon(Entry e) {
    if (dir == null) {
      return;
    }
    synchronized (e) {
      e.dirty = true;
      if (e.saveScheduled) {
        return;
      }
      e.saveScheduled = true;
    }
    Runnable task =
        () -> {
          synchronized (e) {
            e.saveScheduled = false;
          }
          try {
            save(e);
          } catch (IOException ex) {
            LOG.log(
                Level.WARNING,
                "cannot store computation " + e.manifest.id() + ": " + ex.getMessage());
          }
        };
    if (saver == null) {
      task.run();
    } else {
      try {
        saver.schedule(task, SAVE_DELAY_MILLIS, TimeUnit.MILLISECONDS);
      } catch (RuntimeException rejected) {
        task.run();
      }
    }
  }

  private void save(Entry e) throws IOException {
    if (dir == null) {
      return;
    }
    byte[] json;
    synchronized (e) {
      json = Json.write(e.toJson());
      e.dirty = false;
    }
    // One writer at a time per file: saves of one entry may come from two threads.
    synchronized (e.fileLock) {
      SecureFiles.replacePrivate(dir.resolve(e.manifest.id() + ".json"), json);
    }
  }

  private void load() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
    }
    for (Path file : files) {
      try {
        Entry e = Entry.fromJson(this, Json.read(Files.readAllBytes(file)), file.toString());
        entries.put(e.manifest.id(), e);
      } catch (IOException | ManifestException | RuntimeException ex) {
        LOG.log(
            Level.WARNING,
            "skipping stored computation " + file + ": " + ex.getMessage() + " (left in place)");
      }
    }
    if (!entries.isEmpty()) {
      LOG.log(
          Level.INFO, "loaded {0} computations from {1}", Integer.toString(entries.size()), dir);
    }
  }

  // ------------------------------------------------------------------------ internals

  private Entry entry(String id) throws ManagerException {
    Entry e = entries.get(id);
    if (e == null) {
      throw new ManagerException(Reason.NOT_FOUND, "no computation '" + id + "' is registered");
    }
    return e;
  }

  private ComputationView view(Entry e) {
    synchronized (e) {
      return e.view();
    }
  }

  private static byte[] details(Map<String, ?> details) {
    if (details == null || details.isEmpty()) {
      return new byte[0];
    }
    return Json.writeCompact(new LinkedHashMap<>(details));
  }

  private static String shorten(String message) {
    if (message.length() <= MAX_DESCRIPTION) {
      return message;
    }
    int cut = message.lastIndexOf('\n', MAX_DESCRIPTION);
    return message.substring(0, cut < 0 ? MAX_DESCRIPTION : cut)
        + "\n  ... (shortened to fit a gRPC status: fix these first)";
  }

  /** One computation; every mutable field is guarded by the entry itself. */
  private final class Entry {
    final Manifest manifest;
    final byte[] manifestJson;
    final byte[] signature;
    final Instant created;
    final String digest;
    final List<Party> parties;
    final Object fileLock = new Object();

    String state;
    Instant updated;
    String cvmId = "";
    boolean runRequestSent;
    boolean runRequestAnswered;
    String error = "";
    final ArrayDeque<EventRecord> events = new ArrayDeque<>();
    long lastSeq;
    long dropped;
    final List<Watcher> watchers = new ArrayList<>();
    boolean dirty;
    boolean saveScheduled;

    Entry(Manifest manifest, byte[] manifestJson, byte[] signature, Instant created, String state) {
      this.manifest = manifest;
      this.manifestJson = manifestJson;
      this.signature = signature;
      this.created = created;
      this.updated = created;
      this.state = state;
      this.digest = ManifestSignature.digest(manifest).hex();
      this.parties = parties(manifest);
    }

    private static List<Party> parties(Manifest m) {
      List<Party> out = new ArrayList<>();
      out.add(new Party("algorithm-provider", m.algorithm().userKey().fingerprint(), ""));
      for (DatasetSpec d : m.datasets()) {
        out.add(new Party("data-provider", d.userKey().fingerprint(), d.filename()));
      }
      for (ResultConsumer c : m.resultConsumers()) {
        out.add(new Party("consumer", c.userKey().fingerprint(), ""));
      }
      return List.copyOf(out);
    }

    /** Appends an entry, moves the state if asked (never out of a terminal state), notifies. */
    void append(
        Kind kind,
        Instant time,
        String originator,
        String type,
        String status,
        byte[] details,
        String level,
        String message,
        String newState) {
      if (newState != null && !TERMINAL.contains(state)) {
        state = newState;
      }
      EventRecord r =
          new EventRecord(
              ++lastSeq, time, kind, originator, type, status, details, level, message, state);
      events.addLast(r);
      while (events.size() > settings.maxEvents()) {
        events.removeFirst();
        if (dropped++ == 0) {
          LOG.log(
              Level.INFO,
              "computation {0}: keeping only the newest {1} events",
              manifest.id(),
              Integer.toString(settings.maxEvents()));
        }
      }
      updated = settings.clock().instant();
      dirty = true;
      for (Watcher w : List.copyOf(watchers)) {
        w.event(r);
      }
    }

    /** Tells watchers the computation changed; ends them once it is terminal. */
    void changed() {
      ComputationView v = view();
      for (Watcher w : List.copyOf(watchers)) {
        w.computation(v);
      }
      if (TERMINAL.contains(state)) {
        for (Watcher w : List.copyOf(watchers)) {
          w.end();
        }
        watchers.clear();
      }
    }

    ComputationView view() {
      return new ComputationView(
          manifest.id(),
          manifest.name(),
          manifest.description(),
          state,
          parties,
          digest,
          created,
          updated,
          cvmId,
          signature.length > 0,
          runRequestAnswered,
          error,
          TERMINAL.contains(state),
          lastSeq,
          dropped);
    }

    Map<String, Object> toJson() {
      Base64.Encoder b64 = Base64.getEncoder();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("version", FORMAT_VERSION);
      m.put("id", manifest.id());
      m.put("manifest_json", b64.encodeToString(manifestJson));
      m.put("owner_signature", b64.encodeToString(signature));
      m.put("created", created.toString());
      m.put("updated", updated.toString());
      m.put("state", state);
      m.put("cvm_id", cvmId);
      m.put("run_request_sent", runRequestSent);
      m.put("run_request_answered", runRequestAnswered);
      m.put("error", error);
      m.put("last_seq", lastSeq);
      m.put("dropped_events", dropped);
      List<Object> list = new ArrayList<>();
      for (EventRecord r : events) {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("seq", r.seq());
        ev.put("time", r.time().toString());
        ev.put("kind", r.kind().name());
        ev.put("originator", r.originator());
        ev.put("type", r.type());
        ev.put("status", r.status());
        ev.put("details", b64.encodeToString(r.details()));
        ev.put("level", r.level());
        ev.put("message", r.message());
        ev.put("state", r.state());
        list.add(ev);
      }
      m.put("events", list);
      return m;
    }

    static Entry fromJson(ComputationRegistry registry, Object tree, String where)
        throws IOException, ManifestException {
      Json.Obj o = Json.Obj.of(tree, where);
      if (o.number("version", 0) != FORMAT_VERSION) {
        throw new IOException(where + ": unknown format version " + o.number("version", 0));
      }
      Base64.Decoder b64 = Base64.getDecoder();
      byte[] json = b64.decode(o.string("manifest_json"));
      Manifest manifest = registry.settings.parser().parse(json);
      if (!manifest.id().equals(o.string("id"))) {
        throw new IOException(where + ": id does not match the manifest's");
      }
      Entry e =
          registry
          .new Entry(
              manifest,
              json,
              b64.decode(o.string("owner_signature", "")),
              Instant.parse(o.string("created")),
              o.string("state"));
      e.updated = Instant.parse(o.string("updated", o.string("created")));
      e.cvmId = o.string("cvm_id", "");
      e.runRequestSent = o.bool("run_request_sent");
      e.runRequestAnswered = o.bool("run_request_answered");
      e.error = o.string("error", "");
      e.lastSeq = o.number("last_seq", 0);
      e.dropped = o.number("dropped_events", 0);
      int i = 0;
      for (Object item : o.list("events")) {
        Json.Obj ev = Json.Obj.of(item, where + ".events[" + i++ + "]");
        e.events.addLast(
            new EventRecord(
                ev.number("seq", 0),
                Instant.parse(ev.string("time")),
                Kind.valueOf(ev.string("kind")),
                ev.string("originator", ""),
                ev.string("type", ""),
                ev.string("status", ""),
                b64.decode(ev.string("details", "")),
                ev.string("level", ""),
                ev.string("message", ""),
                ev.string("state", "")));
      }
      while (e.events.size() > registry.settings.maxEvents()) {
        e.events.removeFirst();
        e.dropped++;
      }
      return e;
    }
  }

  /** The UTF-8 text of details, for messages. */
  static String text(byte[] details) {
    return new String(details, StandardCharsets.UTF_8);
  }
}
