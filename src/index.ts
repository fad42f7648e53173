import { createApp } from "./app";

export { SlotBooker } from "./slot-booker/slot-booker";

const app = createApp();

export default app;
