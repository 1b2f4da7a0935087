CatalogSearch.add("t","in",{"information":"4-","information bottleneck":"4T","initialization":"3J","initialization weight":"3O"});
