import type { ShowCategory } from "../../protocol/api.js";
import { defineMessages, useMessages } from "../i18n/messages.js";

// A show category's label (SHOW_CATEGORIES; docs/api.md lists the same): the listings' chips and the show form.
export const categoryMessages = defineMessages(
  {
    "category.fashion": "Fashion",
    "category.beauty": "Beauty",
    "category.home": "Home & living",
    "category.electronics": "Electronics",
    "category.collectibles": "Collectibles",
    "category.food": "Food & drink",
    "category.kids": "Kids & toys",
    "category.sports": "Sports & outdoors",
    "category.art": "Art & crafts",
    "category.other": "Other",
  },
  {
    "category.fashion": "Mode",
    "category.beauty": "Beauty & Pflege",
    "category.home": "Wohnen",
    "category.electronics": "Elektronik",
    "category.collectibles": "Sammlerstücke",
    "category.food": "Essen & Trinken",
    "category.kids": "Kinder & Spielzeug",
    "category.sports": "Sport & Outdoor",
    "category.art": "Kunst & Handwerk",
    "category.other": "Sonstiges",
  },
);

export const categoryKey = (c: ShowCategory) => `category.${c}` as const;

export function useCategoryText() {
  return useMessages(categoryMessages);
}
