CatalogSearch.add("t","op",{"opening":"4h","opening black":"4X"});
