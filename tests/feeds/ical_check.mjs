// Reads an iCalendar file with ical.js (Thunderbird's parser) and prints what it understood as
// JSON: the calendar's properties, and each event with its occurrences in UTC up to a limit.
// Usage: node ical_check.mjs FILE [UNTIL_ISO]
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [file, until] = process.argv.slice(2);
const text = readFileSync(file, "utf8");
const root = new ICAL.Component(ICAL.parse(text));
for (const zone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const limit = until ? ICAL.Time.fromJSDate(new Date(until), true) : null;
const events = root.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  const found = {
    uid: event.uid,
    summary: event.summary,
    status: component.getFirstPropertyValue("status"),
    sequence: event.sequence,
    start_zone: event.startDate.zone ? event.startDate.zone.tzid : null,
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    recurring: event.isRecurring(),
    occurrences: [],
  };
  if (event.isRecurring()) {
    const iterator = event.iterator();
    let next;
    let count = 0;
    while ((next = iterator.next()) && count < 2000) {
      if (limit && next.compare(limit) > 0) break;
      const details = event.getOccurrenceDetails(next);
      found.occurrences.push([details.startDate.toJSDate().toISOString(), details.endDate.toJSDate().toISOString()]);
      count += 1;
    }
  }
  return found;
});
const property = (name) => root.getFirstPropertyValue(name);
process.stdout.write(
  JSON.stringify({
    prodid: property("prodid"),
    version: property("version"),
    uid: property("uid"),
    calname: property("x-wr-calname"),
    timezone: property("x-wr-timezone"),
    refresh: root.getFirstProperty("refresh-interval") ? String(property("refresh-interval")) : null,
    ttl: property("x-published-ttl") ? String(property("x-published-ttl")) : null,
    timezones: root.getAllSubcomponents("vtimezone").map((z) => z.getFirstPropertyValue("tzid")),
    events,
  }),
);
