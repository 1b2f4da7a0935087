CatalogSearch.add("t","hy",{"hypothesis":"1K2h","hypothesis finding":"3X"});
