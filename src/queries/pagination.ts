export interface Page {
  limit: number;
  offset: number;
}

export interface PageOf<T> {
  data: T[];
  total: number;
  limit: number;
  offset: number;
}
