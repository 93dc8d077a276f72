import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { Selectable } from "kysely";
import type { StageInviteView, StageJoinView, StageLayout, StageParticipantView, StageRole, StageState, StageView } from "../../protocol/api.js";
import type { Account } from "../accounts/index.js";
import type { Db } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { type IdGenerator, randomId, secretToken } from "../platform/ids.js";
import type { StageTables } from "./schema.js";

type Row = Selectable<StageTables["stage_participants"]>;

export interface StageServiceDeps {
  db: Db;
  clock: Clock;
  secretsKey: Buffer;
  publicUrl: string;
  /** The show's host, its merchant's owner and staff and admins manage the stage (the studio's rule). */
  requireManager(account: Account, showId: string): Promise<{ id: string; hostAccountId: string; hostName: string }>;
  /** The signed-in author of a chat message (chat module), or null for a guest's message. */
  chatAuthor(messageId: string): Promise<{ accountId: string; showId: string } | null>;
  displayName(accountId: string): Promise<string>;
  /** The media half: whether a participant has a camera connected right now (stage/media.ts). */
  publishing?(participantId: string): boolean;
  composing?(showId: string): boolean;
  /** Called after every change of who is on stage, their mute or the layout: the media half follows. */
  changed?(showId: string): void;
  /** A signed-in viewer was asked on stage: their show page is told (realtime, on whichever node holds their socket). */
  requested?(e: { showId: string; accountId: string; hostName: string; expiresAt: string }): void;
  /** The host withdrew a request the viewer had not answered: their show page is told the same way. */
  withdrawn?(e: { showId: string; accountId: string }): void;
  ids?: IdGenerator;
}

export interface StageParticipant {
  id: string;
  showId: string;
  accountId: string | null;
  role: StageRole;
  displayName: string;
  state: StageState;
  muted: boolean;
}

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/**
 * Who is on a show's stage and how they got there. Invites are single use: the claim is one conditional UPDATE
 * (`used_by is null`), so two people racing with the same link get one participant and one `invite_used`.
 */
export class StageService {
  readonly #ids: IdGenerator;
  constructor(private readonly deps: StageServiceDeps) {
    this.#ids = deps.ids ?? randomId;
  }

  #sign(inviteId: string): string {
    return createHmac("sha256", this.deps.secretsKey).update(`stage-invite:${inviteId}`).digest("base64url").slice(0, 32);
  }

  /** Invite token: `<inviteId>.<signature>`; the signature keeps guessed ids from claiming anything. */
  #inviteToken(inviteId: string): string {
    return `${inviteId}.${this.#sign(inviteId)}`;
  }

  #parseInvite(token: string): string {
    const dot = token.lastIndexOf(".");
    const id = token.slice(0, dot);
    const sig = Buffer.from(token.slice(dot + 1));
    const want = Buffer.from(this.#sign(id));
    if (dot <= 0 || sig.length !== want.length || !timingSafeEqual(sig, want)) throw new AppError("not_found", "No such stage invite.");
    return id;
  }

  async requireManager(account: Account, showId: string): Promise<void> {
    await this.deps.requireManager(account, showId);
  }

  async createInvite(account: Account, showId: string, input: { role: "cohost" | "guest"; expiresInMinutes: number }): Promise<StageInviteView> {
    const show = await this.deps.requireManager(account, showId);
    const now = this.deps.clock.now();
    const id = this.#ids("sti");
    const expiresAt = new Date(now.getTime() + input.expiresInMinutes * 60_000);
    await this.deps.db
      .insertInto("stage_invites")
      .values({
        id,
        show_id: show.id,
        role: input.role,
        for_account_id: null,
        participant_id: null,
        expires_at: expiresAt,
        used_by: null,
        used_at: null,
        created_by: account.id,
        created_at: now,
      })
      .execute();
    const token = this.#inviteToken(id);
    return {
      inviteId: id,
      token,
      url: `${this.deps.publicUrl}/stage/${show.id}?invite=${encodeURIComponent(token)}`,
      role: input.role,
      expiresAt: expiresAt.toISOString(),
    };
  }

  /** The host brings a chat viewer on stage: the viewer is asked on their show page (`invitation`), as a guest. */
  async requestViewer(account: Account, showId: string, messageId: string): Promise<StageParticipantView> {
    const show = await this.deps.requireManager(account, showId);
    const author = await this.deps.chatAuthor(messageId);
    if (!author || author.showId !== show.id) throw new AppError("not_found", "No signed-in viewer wrote that message in this show.");
    if (author.accountId === show.hostAccountId) throw new AppError("stage_not_ready", "The host is on stage already.");
    const db = this.deps.db;
    // Someone who declined earlier can be asked again (a new request); one already asked is reminded.
    const open = await db
      .selectFrom("stage_participants")
      .selectAll()
      .where("show_id", "=", show.id)
      .where("account_id", "=", author.accountId)
      .where("state", "not in", ["off", "declined"])
      .executeTakeFirst();
    if (open) {
      if (open.state === "invited") await this.#announce(show, author.accountId);
      return this.#view(open);
    }
    const now = this.deps.clock.now();
    const participant = {
      id: this.#ids("stp"),
      show_id: show.id,
      account_id: author.accountId,
      role: "guest" as const,
      display_name: (await this.deps.displayName(author.accountId)) || "Guest",
      state: "invited" as const,
      muted: false,
      token_hash: null,
      created_at: now,
      updated_at: now,
    };
    await db.transaction().execute(async (tx) => {
      await tx.insertInto("stage_participants").values(participant).execute();
      await tx
        .insertInto("stage_invites")
        .values({
          id: this.#ids("sti"),
          show_id: show.id,
          role: "guest",
          for_account_id: author.accountId,
          participant_id: participant.id,
          expires_at: new Date(now.getTime() + 10 * 60_000),
          used_by: null,
          used_at: null,
          created_by: account.id,
          created_at: now,
        })
        .execute();
    });
    this.deps.changed?.(show.id);
    await this.#announce(show, author.accountId);
    return this.#view(participant);
  }

  async #announce(show: { id: string; hostName: string }, accountId: string): Promise<void> {
    const pending = await this.pendingRequest(show.id, accountId);
    if (pending) this.deps.requested?.({ showId: show.id, accountId, hostName: show.hostName, expiresAt: pending.expiresAt });
  }

  /** The host's open request to this account to come on stage (unanswered, unexpired), newest first. */
  async pendingRequest(showId: string, accountId: string): Promise<{ inviteId: string; expiresAt: string } | null> {
    const row = await this.deps.db
      .selectFrom("stage_invites")
      .select(["id", "expires_at"])
      .where("show_id", "=", showId)
      .where("for_account_id", "=", accountId)
      .where("used_by", "is", null)
      .where("expires_at", ">", this.deps.clock.now())
      .orderBy("created_at", "desc")
      .executeTakeFirst();
    return row ? { inviteId: row.id, expiresAt: new Date(row.expires_at).toISOString() } : null;
  }

  /**
   * The viewer says no to the host's request: the invite is used up (one conditional UPDATE, so it cannot be accepted
   * afterwards) and the participant shows as `declined` in the studio. `not_found` when nothing is pending.
   */
  async decline(account: Account, showId: string): Promise<void> {
    const pending = await this.pendingRequest(showId, account.id);
    const now = this.deps.clock.now();
    const claimed = pending
      ? await this.deps.db
          .updateTable("stage_invites")
          .set({ used_by: account.id, used_at: now })
          .where("id", "=", pending.inviteId)
          .where("used_by", "is", null)
          .returning(["participant_id"])
          .executeTakeFirst()
      : undefined;
    if (!claimed) throw new AppError("not_found", "No open request to come on stage in this show.");
    if (claimed.participant_id)
      await this.deps.db
        .updateTable("stage_participants")
        .set({ state: "declined", updated_at: now })
        .where("id", "=", claimed.participant_id)
        .where("state", "=", "invited")
        .execute();
    this.deps.changed?.(showId);
  }

  /** The signed-in viewer's open request to come on stage in this show, if the host sent one: its token to accept. */
  async invitation(account: Account, showId: string): Promise<{ token: string; expiresAt: string } | null> {
    const pending = await this.pendingRequest(showId, account.id);
    return pending ? { token: this.#inviteToken(pending.inviteId), expiresAt: pending.expiresAt } : null;
  }

  /**
   * Claims an invite for the signed-in account: one conditional UPDATE, so a link used twice gives `invite_used` to
   * the second account and the same participant (with a fresh stage token) to the first.
   */
  async accept(account: Account, token: string, displayName?: string): Promise<StageJoinView> {
    const inviteId = this.#parseInvite(token);
    const db = this.deps.db;
    const now = this.deps.clock.now();
    const claimed = await db
      .updateTable("stage_invites")
      .set({ used_by: account.id, used_at: now })
      .where("id", "=", inviteId)
      .where("used_by", "is", null)
      .where("expires_at", ">", now)
      .where((eb) => eb.or([eb("for_account_id", "is", null), eb("for_account_id", "=", account.id)]))
      .returningAll()
      .executeTakeFirst();
    const stageToken = secretToken();
    const name = (displayName ?? account.displayName).trim().slice(0, 60) || "Guest";
    if (!claimed) {
      const invite = await db.selectFrom("stage_invites").selectAll().where("id", "=", inviteId).executeTakeFirst();
      if (!invite) throw new AppError("not_found", "No such stage invite.");
      if (invite.used_by === account.id && invite.participant_id) {
        const p = await this.#participant(invite.participant_id);
        if (p.state === "off" || p.state === "declined")
          throw new AppError("stage_not_ready", "You left this stage or declined the request; ask the host for a new invite.");
        await db
          .updateTable("stage_participants")
          .set({ token_hash: hashToken(stageToken), updated_at: now })
          .where("id", "=", p.id)
          .execute();
        return { participant: this.#view(p), stageToken, showId: invite.show_id };
      }
      if (invite.used_by) throw new AppError("invite_used");
      if (invite.for_account_id && invite.for_account_id !== account.id) throw new AppError("forbidden", "This stage request is for another viewer.");
      throw new AppError("invite_expired");
    }
    let participantId = claimed.participant_id;
    if (participantId) {
      await db
        .updateTable("stage_participants")
        .set({ state: "waiting", display_name: name, token_hash: hashToken(stageToken), updated_at: now })
        .where("id", "=", participantId)
        .execute();
    } else {
      participantId = this.#ids("stp");
      await db
        .insertInto("stage_participants")
        .values({
          id: participantId,
          show_id: claimed.show_id,
          account_id: account.id,
          role: claimed.role,
          display_name: name,
          state: "waiting",
          muted: false,
          token_hash: hashToken(stageToken),
          created_at: now,
          updated_at: now,
        })
        .execute();
      await db.updateTable("stage_invites").set({ participant_id: participantId }).where("id", "=", inviteId).execute();
    }
    this.deps.changed?.(claimed.show_id);
    return { participant: this.#view(await this.#participant(participantId)), stageToken, showId: claimed.show_id };
  }

  /** The participant a stage bearer token belongs to (not `off`). */
  async byToken(showId: string, token: string | undefined): Promise<StageParticipant> {
    if (!token) throw new AppError("stage_token_invalid");
    const row = await this.deps.db.selectFrom("stage_participants").selectAll().where("token_hash", "=", hashToken(token)).executeTakeFirst();
    if (!row || row.show_id !== showId || row.state === "off") throw new AppError("stage_token_invalid");
    return toParticipant(row);
  }

  /** The host on their own stage: created on stage the first time the host (or a manager) publishes to it. */
  async hostParticipant(account: Account, showId: string, bringOn: boolean): Promise<StageParticipant> {
    const show = await this.deps.requireManager(account, showId);
    const db = this.deps.db;
    const existing = await db.selectFrom("stage_participants").selectAll().where("show_id", "=", show.id).where("role", "=", "host").executeTakeFirst();
    const now = this.deps.clock.now();
    if (existing) {
      if (bringOn && existing.state !== "on_stage") {
        await db.updateTable("stage_participants").set({ state: "on_stage", updated_at: now }).where("id", "=", existing.id).execute();
        await this.#openInterval(existing.id, show.id, existing.account_id, "host", now);
      }
      return toParticipant(bringOn ? { ...existing, state: "on_stage" } : existing);
    }
    if (!bringOn) throw new AppError("not_found", "The host has not been on this stage.");
    const id = this.#ids("stp");
    await db
      .insertInto("stage_participants")
      .values({
        id,
        show_id: show.id,
        account_id: show.hostAccountId,
        role: "host",
        display_name: show.hostName,
        state: "on_stage",
        muted: false,
        token_hash: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await this.#openInterval(id, show.id, show.hostAccountId, "host", now);
    return this.#participant(id).then(toParticipant);
  }

  async view(showId: string): Promise<StageView> {
    const rows = await this.deps.db
      .selectFrom("stage_participants")
      .selectAll()
      .where("show_id", "=", showId)
      .where("state", "<>", "off")
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return {
      showId,
      layout: await this.layout(showId),
      participants: rows.map((r) => this.#view(r)),
      composing: this.deps.composing?.(showId) ?? false,
    };
  }

  async studioView(account: Account, showId: string): Promise<StageView> {
    const show = await this.deps.requireManager(account, showId);
    return this.view(show.id);
  }

  async layout(showId: string): Promise<StageLayout> {
    const row = await this.deps.db.selectFrom("stage_layouts").select("layout").where("show_id", "=", showId).executeTakeFirst();
    return row?.layout ?? "side_by_side";
  }

  async setLayout(account: Account, showId: string, layout: StageLayout): Promise<StageView> {
    const show = await this.deps.requireManager(account, showId);
    const now = this.deps.clock.now();
    await this.deps.db
      .insertInto("stage_layouts")
      .values({ show_id: show.id, layout, updated_at: now })
      .onConflict((oc) => oc.column("show_id").doUpdateSet({ layout, updated_at: now }))
      .execute();
    this.deps.changed?.(show.id);
    return this.view(show.id);
  }

  async bringOn(account: Account, showId: string, participantId: string): Promise<StageParticipantView> {
    const show = await this.deps.requireManager(account, showId);
    const now = this.deps.clock.now();
    const moved = await this.deps.db
      .updateTable("stage_participants")
      .set({ state: "on_stage", updated_at: now })
      .where("id", "=", participantId)
      .where("show_id", "=", show.id)
      .where("state", "=", "waiting")
      .returningAll()
      .executeTakeFirst();
    if (!moved) {
      const p = await this.#participant(participantId, show.id);
      if (p.state === "on_stage") return this.#view(p);
      throw new AppError("stage_not_ready", `Only someone waiting can be brought on stage (this participant is ${p.state}).`);
    }
    await this.#openInterval(moved.id, show.id, moved.account_id, moved.role, now);
    this.deps.changed?.(show.id);
    return this.#view(moved);
  }

  /** Back to waiting (they keep their camera and can be brought on again); `leave` ends their participation. */
  async takeOff(account: Account, showId: string, participantId: string): Promise<StageParticipantView> {
    const show = await this.deps.requireManager(account, showId);
    const p = await this.#participant(participantId, show.id);
    if (p.role === "host") throw new AppError("stage_not_ready", "The host leaves the stage by ending the publish.");
    // An unanswered or declined request is withdrawn (off, gone from the list); anyone else goes back to waiting.
    if (p.state !== "invited" && p.state !== "declined") return this.#move(p, "waiting");
    // The withdrawn request's invite ends with it: the viewer's page no longer shows it after a reconnect, and its
    // Accept finds nothing (before, the open invite would have brought the participant back from off to waiting).
    await this.deps.db
      .updateTable("stage_invites")
      .set({ expires_at: this.deps.clock.now() })
      .where("participant_id", "=", p.id)
      .where("used_by", "is", null)
      .execute();
    const off = await this.#move(p, "off");
    if (p.state === "invited" && p.account_id) this.deps.withdrawn?.({ showId: show.id, accountId: p.account_id });
    return off;
  }

  async mute(account: Account, showId: string, participantId: string, muted: boolean): Promise<StageParticipantView> {
    const show = await this.deps.requireManager(account, showId);
    const p = await this.#participant(participantId, show.id);
    await this.deps.db.updateTable("stage_participants").set({ muted, updated_at: this.deps.clock.now() }).where("id", "=", p.id).execute();
    this.deps.changed?.(show.id);
    return this.#view({ ...p, muted });
  }

  /** The participant leaves (their page closed the publish, or the host's publish ended). */
  async leave(participantId: string): Promise<void> {
    const p = await this.deps.db.selectFrom("stage_participants").selectAll().where("id", "=", participantId).executeTakeFirst();
    if (!p || p.state === "off") return;
    await this.#move(p, p.role === "host" ? "waiting" : "off");
  }

  async #move(p: Row, state: StageState): Promise<StageParticipantView> {
    const now = this.deps.clock.now();
    const db = this.deps.db;
    await db
      .updateTable("stage_participants")
      .set({ state, updated_at: now })
      .where("id", "=", p.id as string)
      .execute();
    if (p.state === "on_stage" && state !== "on_stage")
      await db
        .updateTable("stage_intervals")
        .set({ ended_at: now })
        .where("participant_id", "=", p.id as string)
        .where("ended_at", "is", null)
        .execute();
    this.deps.changed?.(p.show_id as string);
    return this.#view({ ...p, state });
  }

  async #openInterval(participantId: string, showId: string, accountId: string | null, role: string, at: Date): Promise<void> {
    await this.deps.db
      .insertInto("stage_intervals")
      .values({ id: this.#ids("sto"), show_id: showId, participant_id: participantId, account_id: accountId, role, started_at: at, ended_at: null })
      .execute();
  }

  /** Who is on stage in a show right now, in the program's order: the host, then by the time they came on. */
  async onStage(showId: string): Promise<StageParticipant[]> {
    const rows = await this.deps.db
      .selectFrom("stage_participants")
      .selectAll()
      .where("show_id", "=", showId)
      .where("state", "=", "on_stage")
      .orderBy("updated_at")
      .orderBy("id")
      .execute();
    return rows.map((r) => toParticipant(r)).sort((a, b) => Number(b.role === "host") - Number(a.role === "host"));
  }

  async participant(participantId: string, showId?: string): Promise<StageParticipant> {
    return toParticipant(await this.#participant(participantId, showId));
  }

  async #participant(participantId: string, showId?: string): Promise<Row> {
    const row = await this.deps.db.selectFrom("stage_participants").selectAll().where("id", "=", participantId).executeTakeFirst();
    if (!row || (showId && row.show_id !== showId)) throw new AppError("not_found", "No such stage participant.");
    return row;
  }

  #view(r: Row): StageParticipantView {
    const p = toParticipant(r);
    return {
      id: p.id,
      role: p.role,
      state: p.state,
      displayName: p.displayName,
      accountId: p.accountId,
      muted: p.muted,
      publishing: this.deps.publishing?.(p.id) ?? false,
    };
  }
}

function toParticipant(r: Row): StageParticipant {
  return {
    id: r.id as string,
    showId: r.show_id as string,
    accountId: (r.account_id as string | null) ?? null,
    role: r.role as StageRole,
    displayName: r.display_name as string,
    state: r.state as StageState,
    muted: Boolean(r.muted),
  };
}
