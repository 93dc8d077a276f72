import { coreMessages } from "../i18n/coreText.js";
import { combineMessages, defineMessages, useMessages } from "../i18n/messages.js";

// The home page's strings (the list of shows): only / loads them, so the viewer's first load (whose weight is
// benchmarked) does not carry them. Keys not found here are the shared ones.
const homeMessages = combineMessages(
  defineMessages(
    {
      "home.lead": "Watch, chat and buy while it's on air.",
      "home.live": "Live now",
      "home.upcoming": "Coming up",
      "home.others": "Off air",
      "home.empty": "No shows right now. Check back soon.",
      "home.startsAt": "Starts {time}",
      "home.watch": "Watch",
      "home.replay": "Watch the replay",
    },
    {
      "home.lead": "Zuschauen, chatten und kaufen, solange die Show läuft.",
      "home.live": "Jetzt live",
      "home.upcoming": "Demnächst",
      "home.others": "Nicht auf Sendung",
      "home.empty": "Gerade laufen keine Shows. Schau bald wieder vorbei.",
      "home.startsAt": "Beginnt {time}",
      "home.watch": "Ansehen",
      "home.replay": "Aufzeichnung ansehen",
    },
  ),
  coreMessages,
);

/** Like useI18n, with the home page's strings added. */
export function useHomeText() {
  return useMessages(homeMessages);
}
