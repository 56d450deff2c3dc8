/** Wire schemas of the event feed (SPEC §9): the event, a page of events and the feed's query. */
import { Type } from "@sinclair/typebox";
import { EVENT_TYPES } from "../core/events.js";
import { Bounded, Bounds, SessionSchema, TenantIdSchema, Text } from "./schemas.js";

const EventTypeSchema = Type.Union(
  EVENT_TYPES.map((t) => Type.Literal(t)),
  { description: "event type" },
);

export const EventSchema = Type.Object(
  {
    object: Type.Literal("event"),
    id: Type.String({ description: "evt_…; receivers order events by id" }),
    type: Type.Union([EventTypeSchema, Type.Literal("webhook.test")]),
    tenant_id: Type.String(),
    timestamp: Type.Integer({ minimum: 0, description: "when it happened (ms since the epoch); for expired and abandoned, the deadline" }),
    initiated_by: Type.Object({
      type: Type.Union([Type.Literal("api_key"), Type.Literal("user"), Type.Literal("console"), Type.Literal("system")]),
      id: Type.Union([Type.String(), Type.Null()], {
        description: "the API key's id, or the user's id; null for the system, the console and the root key from the environment",
      }),
    }),
    signals: Type.Optional(
      Type.Object(
        { new_device: Type.Boolean(), new_country: Type.Boolean(), new_browser: Type.Boolean() },
        { description: "on session.created and session.activity_changed: first time the user's retained sessions show this device, country, browser" },
      ),
    ),
    data: SessionSchema,
  },
  { title: "Event" },
);

export const EventListSchema = Type.Object({
  data: Type.Array(EventSchema),
  next_cursor: Type.String({ description: "never null: keep it and poll with it as `after`" }),
});

export const EventQuery = Type.Object(
  {
    after: Type.Optional(Bounded("cursor", "an event id, or the next_cursor of the previous page")),
    type: Type.Optional(Type.Union([EventTypeSchema, Type.Array(EventTypeSchema, { maxItems: EVENT_TYPES.length })])),
    user_id: Type.Optional(Text("user_id")),
    tenant_id: Type.Optional(TenantIdSchema),
    limit: Type.Optional(Bounds("event_limit")),
  },
  { additionalProperties: false },
);
