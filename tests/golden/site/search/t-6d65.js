CatalogSearch.add("t","me",{"memorization":"5b","memorization random":"5T"});
