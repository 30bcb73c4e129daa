/**
 * Chat payloads of webhook destinations (`payload` `slack` or `teams`): each `CallSurveyAlert` record
 * becomes one Slack incoming-webhook message or one Teams message with an Adaptive Card, built by
 * alerts/slack-message.ts and alerts/teams-message.ts.
 *
 * Chat payloads carry alerts only. A chat channel is no place for survey records or lifecycle events, so
 * a setting with a chat webhook must choose exactly the `CallSurveyAlert` category (checked when it is
 * created or changed: 400 `CHAT_PAYLOAD_ALERTS_ONLY`). Erasure tombstones, which go to every destination
 * whatever its categories, are not posted: a chat webhook never received the surveys they name.
 */
import type { LogCategory, WebhookPayload } from "@aftercall/api";
import type { CallSurveyAlert } from "../../alerts/alert-record.js";
import { toSlackMessage } from "../../alerts/slack-message.js";
import { toTeamsMessage } from "../../alerts/teams-message.js";
import { AftercallError } from "../../errors.js";
import type { DeliveryRecord } from "../destination.js";
import type { DestinationConfig } from "./destination-config.js";

/** A chat payload, one of the webhook payloads. */
export type ChatPayload = Exclude<WebhookPayload, "records">;

/** One chat message to post, identified by the record it shows (the `webhook-id` of its request). */
export interface ChatMessage {
  id: string;
  body: unknown;
}

export const isChatPayload = (payload: WebhookPayload | undefined): payload is ChatPayload =>
  payload === "slack" || payload === "teams";

/** The alert of a delivered record, whichever record format wrapped it (`acs`: in `properties`). */
function alertOf(record: DeliveryRecord): CallSurveyAlert | undefined {
  if (record.category !== "CallSurveyAlert") return undefined;
  const body = record.body;
  const inner = body.operationName === "CallSurveyAlert" && body.properties ? body.properties : body;
  return inner as unknown as CallSurveyAlert;
}

/** The chat messages of a batch's records: one per alert, in order; other records are left out. */
export function chatMessages(payload: ChatPayload, records: readonly DeliveryRecord[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const record of records) {
    const alert = alertOf(record);
    if (!alert) continue;
    messages.push({
      id: record.id,
      body: payload === "slack" ? toSlackMessage(alert) : toTeamsMessage(alert),
    });
  }
  return messages;
}

/**
 * The message a destination test posts to a chat webhook: says what it is, and which setting sent it, in
 * the same envelope as real alerts.
 */
export function chatTestMessage(payload: ChatPayload, settingName: string, projectId: string): unknown {
  const text = `Aftercall test message: the diagnostic setting "${settingName}" of project ${projectId} can post alerts here.`;
  if (payload === "slack") {
    const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    return { text: escaped, blocks: [{ type: "section", text: { type: "plain_text", text: escaped } }] };
  }
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          msteams: { width: "Full" },
          body: [{ type: "TextBlock", text: text.replace(/[\\`*_[\]~<>]/g, "\\$&"), wrap: true }],
        },
      },
    ],
  };
}

/**
 * Refuse a setting whose chat webhook would be asked to carry anything but alerts.
 * @throws AftercallError `CHAT_PAYLOAD_ALERTS_ONLY` naming the field and the categories.
 */
export function checkChatPayloads(
  categories: readonly LogCategory[],
  destinations: Iterable<DestinationConfig>,
): void {
  for (const config of destinations) {
    if (config.type !== "webhook" || !isChatPayload(config.payload)) continue;
    if (categories.length === 1 && categories[0] === "CallSurveyAlert") continue;
    throw new AftercallError(
      "CHAT_PAYLOAD_ALERTS_ONLY",
      `destinations.webhook.payload: a ${config.payload} payload carries alerts only, so the setting's categories must be exactly ["CallSurveyAlert"] (got ${JSON.stringify(categories)}). Send surveys and events through another setting.`,
    );
  }
}
