CatalogSearch.add("t","me",{"memorization":[3.206,"5_"],"memorization random":[2.118,"5_"]});
