import { coreMessages } from "../i18n/coreText.js";
import { combineMessages, defineMessages, useMessages } from "../i18n/messages.js";
import { categoryMessages } from "./categoryText.js";

// The listings' strings (the home page, shop and host pages) and the category labels: only those pages load them, so
// the viewer's first load (whose weight is benchmarked) does not carry them. Keys not found here are the shared ones.
const homeMessages = combineMessages(
  defineMessages(
    {
      "home.lead": "Watch, chat and buy while it's on air.",
      "home.live": "Live now",
      "home.upcoming": "Coming up",
      "home.empty": "No shows right now. Check back soon.",
      "home.startsAt": "Starts {time}",
      "home.watch": "Watch",
      "home.replay": "Watch the replay",
      "home.replays": "Replays",
      "home.search": "Search shows",
      "home.searchHint": "Title, shop or host",
      "home.searchButton": "Search",
      "home.categories": "Categories",
      "home.all": "All",
      "home.more": "Show more",
      "home.noMatch": "No shows match your search.",
      "home.clear": "Clear search and filters",
      "home.noneLive": "Nobody is live right now.",
      "home.noneUpcoming": "Nothing scheduled yet.",
      "home.noneReplays": "No replays yet.",
      "profile.followers": { one: "{n} follower", other: "{n} followers" },
      "profile.shop": "Shop",
      "profile.host": "Host",
      "profile.notFound": "There is no such page.",
      "profile.past": "Past shows",
      "profile.nonePast": "No replays yet.",
    },
    {
      "home.lead": "Zuschauen, chatten und kaufen, solange die Show läuft.",
      "home.live": "Jetzt live",
      "home.upcoming": "Demnächst",
      "home.empty": "Gerade laufen keine Shows. Schau bald wieder vorbei.",
      "home.startsAt": "Beginnt {time}",
      "home.watch": "Ansehen",
      "home.replay": "Aufzeichnung ansehen",
      "home.replays": "Aufzeichnungen",
      "home.search": "Shows suchen",
      "home.searchHint": "Titel, Shop oder Host",
      "home.searchButton": "Suchen",
      "home.categories": "Kategorien",
      "home.all": "Alle",
      "home.more": "Mehr anzeigen",
      "home.noMatch": "Keine Show passt zu deiner Suche.",
      "home.clear": "Suche und Filter zurücksetzen",
      "home.noneLive": "Gerade ist niemand live.",
      "home.noneUpcoming": "Noch nichts geplant.",
      "home.noneReplays": "Noch keine Aufzeichnungen.",
      "profile.followers": { one: "{n} Follower", other: "{n} Follower" },
      "profile.shop": "Shop",
      "profile.host": "Host",
      "profile.notFound": "Diese Seite gibt es nicht.",
      "profile.past": "Vergangene Shows",
      "profile.nonePast": "Noch keine Aufzeichnungen.",
    },
  ),
  combineMessages(categoryMessages, coreMessages),
);

/** Like useI18n, with the home page's strings added. */
export function useHomeText() {
  return useMessages(homeMessages);
}
