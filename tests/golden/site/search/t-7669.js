CatalogSearch.add("t","vi",{"via":"4h","via information":"4X","vinyal":"5c"});
