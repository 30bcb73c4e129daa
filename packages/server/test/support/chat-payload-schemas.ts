/**
 * The documented constraints our Slack and Teams payloads rely on, as JSON Schemas (draft-07, checked
 * with ajv). Not the vendors' full schemas: only what their documentation states and our builders use,
 * so a builder change that breaks a documented rule fails the tests.
 *
 * Slack (docs.slack.dev): Block Kit reference — header block: `text` a plain_text object of at most 150
 * characters; section block: `text` of 1–3000 characters, or `fields` of at most 10 text objects of at
 * most 2000 characters each; context block: `elements` at most 10; divider; `block_id` at most 255;
 * a message holds at most 50 blocks. chat.postMessage / incoming webhooks: with blocks, top-level `text`
 * is the notification fallback; keep it within 4000 characters (longer text is truncated).
 *
 * Microsoft Teams (learn.microsoft.com, "Create an Incoming Webhook" / "Send Adaptive Cards using an
 * Incoming Webhook"): `type` must be "message"; `attachments` holds the cards; each `contentType` must be
 * "application/vnd.microsoft.card.adaptive" and `content` the card; supported actions are
 * Action.OpenUrl, Action.ShowCard and Action.ToggleVisibility (not Action.Submit); message size limit
 * 28 KB (checked in the test, not expressible here). Adaptive Cards schema: an AdaptiveCard has `type`,
 * `version` and `body`; a TextBlock requires `text`; a FactSet requires `facts` of `{ title, value }`.
 */

const slackText = (maxLength: number, type?: "plain_text" | "mrkdwn") => ({
  type: "object",
  required: ["type", "text"],
  additionalProperties: false,
  properties: {
    type: type ? { const: type } : { enum: ["plain_text", "mrkdwn"] },
    text: { type: "string", minLength: 1, maxLength },
    emoji: { type: "boolean" },
    verbatim: { type: "boolean" },
  },
});

const blockId = { type: "string", maxLength: 255 };

export const slackMessageSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "Slack incoming-webhook message with Block Kit blocks (documented limits)",
  type: "object",
  required: ["text", "blocks"],
  additionalProperties: false,
  properties: {
    text: { type: "string", minLength: 1, maxLength: 4000 },
    blocks: {
      type: "array",
      minItems: 1,
      maxItems: 50,
      items: {
        oneOf: [
          {
            type: "object",
            required: ["type", "text"],
            additionalProperties: false,
            properties: { type: { const: "header" }, text: slackText(150, "plain_text"), block_id: blockId },
          },
          {
            type: "object",
            required: ["type", "text"],
            additionalProperties: false,
            properties: { type: { const: "section" }, text: slackText(3000), block_id: blockId },
          },
          {
            type: "object",
            required: ["type", "fields"],
            additionalProperties: false,
            properties: {
              type: { const: "section" },
              fields: { type: "array", minItems: 1, maxItems: 10, items: slackText(2000) },
              block_id: blockId,
            },
          },
          {
            type: "object",
            required: ["type"],
            additionalProperties: false,
            properties: { type: { const: "divider" }, block_id: blockId },
          },
          {
            type: "object",
            required: ["type", "elements"],
            additionalProperties: false,
            properties: {
              type: { const: "context" },
              elements: { type: "array", minItems: 1, maxItems: 10, items: slackText(3000) },
              block_id: blockId,
            },
          },
        ],
      },
    },
  },
} as const;

const textBlock = {
  type: "object",
  required: ["type", "text"],
  properties: {
    type: { const: "TextBlock" },
    text: { type: "string", minLength: 1 },
    wrap: { type: "boolean" },
    size: { enum: ["Small", "Default", "Medium", "Large", "ExtraLarge"] },
    weight: { enum: ["Lighter", "Default", "Bolder"] },
    color: { enum: ["Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"] },
    isSubtle: { type: "boolean" },
    spacing: { enum: ["None", "Small", "Default", "Medium", "Large", "ExtraLarge", "Padding"] },
  },
};

const factSet = {
  type: "object",
  required: ["type", "facts"],
  properties: {
    type: { const: "FactSet" },
    facts: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["title", "value"],
        properties: { title: { type: "string" }, value: { type: "string", minLength: 1 } },
      },
    },
  },
};

export const teamsMessageSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "Microsoft Teams incoming-webhook / Workflows message carrying an Adaptive Card (documented shape)",
  type: "object",
  required: ["type", "attachments"],
  properties: {
    type: { const: "message" },
    attachments: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["contentType", "content"],
        properties: {
          contentType: { const: "application/vnd.microsoft.card.adaptive" },
          contentUrl: { type: "null" },
          content: {
            type: "object",
            required: ["type", "version", "body"],
            properties: {
              $schema: { const: "http://adaptivecards.io/schemas/adaptive-card.json" },
              type: { const: "AdaptiveCard" },
              version: { enum: ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5"] },
              body: { type: "array", minItems: 1, items: { oneOf: [textBlock, factSet] } },
              actions: {
                type: "array",
                items: {
                  oneOf: [
                    {
                      type: "object",
                      required: ["type", "url"],
                      properties: {
                        type: { const: "Action.OpenUrl" },
                        url: { type: "string", pattern: "^https?://[^\\s]+$" },
                        title: { type: "string" },
                      },
                    },
                    {
                      type: "object",
                      required: ["type"],
                      properties: { type: { enum: ["Action.ShowCard", "Action.ToggleVisibility"] } },
                    },
                  ],
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

/** Teams' documented message size limit, in bytes. */
export const TEAMS_MESSAGE_LIMIT_BYTES = 28 * 1024;
