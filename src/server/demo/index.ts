// The demo module's door: the seeded shop and show of `npm start`, and its product pictures.
export { seedDemo, type DemoInfo } from "./seed.js";
export { demoImageSvg } from "./images.js";
export { demoModule } from "./plugin.js";
