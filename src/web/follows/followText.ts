import { coreMessages } from "../i18n/coreText.js";
import { combineMessages, defineMessages, useMessages } from "../i18n/messages.js";

// The follow button's strings (the upcoming page, and shop and host pages).
const followMessages = combineMessages(
  defineMessages(
    {
      "follow.follow": "Follow {name}",
      "follow.following": "Following {name}",
      "follow.signIn": "Sign in to follow {name}",
      "follow.hint": "You get an email when {name} goes live.",
      "follow.followers": { one: "{n} follower", other: "{n} followers" },
      "follow.ofHost": { one: "{n} follows the host", other: "{n} follow the host" },
      "follow.ofShop": { one: "{n} follows the shop", other: "{n} follow the shop" },
      "follow.shopFollowers": { one: "{n} account follows your shop", other: "{n} accounts follow your shop" },
    },
    {
      "follow.follow": "{name} folgen",
      "follow.following": "Du folgst {name}",
      "follow.signIn": "Anmelden, um {name} zu folgen",
      "follow.hint": "Du bekommst eine E-Mail, wenn {name} live geht.",
      "follow.followers": { one: "{n} Follower", other: "{n} Follower" },
      "follow.ofHost": { one: "{n} folgt dem Host", other: "{n} folgen dem Host" },
      "follow.ofShop": { one: "{n} folgt dem Shop", other: "{n} folgen dem Shop" },
      "follow.shopFollowers": { one: "{n} Konto folgt deinem Shop", other: "{n} Konten folgen deinem Shop" },
    },
  ),
  coreMessages,
);

export const useFollowText = () => useMessages(followMessages);
